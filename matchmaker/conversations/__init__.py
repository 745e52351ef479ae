"""Conversations (洽谈记录): a thread per introduced match between its two parties and staff.

Importing the package registers the subject kinds it knows (matches) with
`matchmaker.visibility`, which decides who may read and write.
"""

from matchmaker.conversations import subjects  # noqa: F401  (registers the "match" kind)
