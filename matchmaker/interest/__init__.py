"""Interest requests, access grants and the confidentiality agreement (issue 21)."""
