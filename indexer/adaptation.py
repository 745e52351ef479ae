"""Light self-supervised adaptation of the embedding model to a corpus (inverse cloze).

A sentence of a text is the query and the rest of that text its passage; the title is a query
for the body. The model learns with in-batch negatives (symmetric InfoNCE) for a few steps at a
small learning rate: measured on a GPU (issue 23), 24 steps × 128 pairs at 5e-6 lift need →
achievement retrieval, while more training destroys the model. Nothing here knows the domain:
callers give texts grouped by the document they come from.

On CPU the 2 × 128 sequences of a step do not fit in memory with their activations, so the
loss is computed with gradient caching (Gao et al., 2021): embed everything without gradients,
take the loss's gradient with respect to the embeddings, then re-run the encoder one
micro-batch at a time and push that gradient through it. The in-batch negatives stay 128 while
the memory is that of one micro-batch. Dropout is off (the model stays in eval mode), so the
re-run reproduces the first pass exactly and a run is deterministic for a seed.
"""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer import text

MIN_SENTENCE_CHARS = 8  # shorter "sentences" (a number, a heading) say too little to be a query
WEIGHTS = "model.safetensors"
# Half-width end punctuation inside Chinese text (common in abstracts: "模型.仿真结果表明"),
# or before a capital letter in English, ends a sentence too; a decimal point does not.
_HALF_WIDTH_END = re.compile(r"(?<=[.;!?])(?=[\u4e00-\u9fff])|(?<=[.;!?])\s+(?=[A-Z])")


def split_sentences(value: str) -> list[str]:
    """The product's sentence split (indexer.text), then half-width end punctuation."""
    return [
        piece.strip()
        for sentence in text.sentences(value)
        for piece in _HALF_WIDTH_END.split(sentence)
        if piece.strip()
    ]


@dataclass(frozen=True)
class Pair:
    """A query and the passage it came from; `group` names the source document."""

    group: str
    query: str
    passage: str


@dataclass(frozen=True)
class Recipe:
    """The issue's settings (measured on a GPU) and what CPU training adds to them."""

    steps: int = 24
    batch_size: int = 128
    learning_rate: float = 5e-6
    temperature: float = 0.05
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    # tokens per sequence: the cost of a step grows with it (README, "Adapting the model")
    max_seq_length: int = 128
    # texts encoded at once with gradients: bounds the activation memory. With the worker's
    # serving model loaded too, the peak was 2.55 GB at 8 and 2.92 GB at 16 (README)
    micro_batch: int = 8
    seed: int = 23

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pairs_from_document(
    group: str, title: str, body: Sequence[str], sentences_per_document: int = 4
) -> list[Pair]:
    """Title → body, and up to `sentences_per_document` sentences → the rest of the document
    (title included). Sentences are taken in order, so the same text gives the same pairs."""
    title = text.normalise(title)
    sentences = [s for part in body for s in split_sentences(part)]
    pairs: list[Pair] = []
    body_text = text.join_fields(sentences)
    if title and body_text:
        pairs.append(Pair(group, title, body_text))
    usable = [i for i, s in enumerate(sentences) if len(s) >= MIN_SENTENCE_CHARS]
    for i in usable[:sentences_per_document]:
        rest = text.join_fields([title, *sentences[:i], *sentences[i + 1 :]])
        if len(rest) >= MIN_SENTENCE_CHARS:
            pairs.append(Pair(group, sentences[i], rest))
    return pairs


def split_held_out(
    pairs: Sequence[Pair], share: float, seed: int, least: int = 20, most: int = 400
) -> tuple[list[Pair], list[Pair]]:
    """(training pairs, one held-out pair per held-out document). A share of the documents
    (at least `least`, at most `most`, never more than half) is held out whole, so the
    self-check never sees a trained-on text."""
    groups = sorted({p.group for p in pairs})
    rng = random.Random(seed)
    rng.shuffle(groups)
    count = min(most, len(groups) // 2, max(least, round(len(groups) * share)))
    held = set(groups[:count])
    training = [p for p in pairs if p.group not in held]
    by_group: dict[str, list[Pair]] = {}
    for pair in pairs:
        if pair.group in held:
            by_group.setdefault(pair.group, []).append(pair)
    held_out = [rng.choice(by_group[g]) for g in groups[:count]]
    return training, held_out


def batches(pairs: Sequence[Pair], recipe: Recipe) -> list[list[Pair]]:
    """`recipe.steps` batches of distinct documents (two pairs of one document in a batch would
    be each other's false negatives), drawn from seeded shuffles of the pairs."""
    rng = random.Random(recipe.seed)
    groups = {p.group for p in pairs}
    size = min(recipe.batch_size, len(groups))
    if size < 2:
        return []
    stream: list[Pair] = []
    while len(stream) < recipe.steps * size * 2:
        epoch = list(pairs)
        rng.shuffle(epoch)
        stream.extend(epoch)
    pending = deque(stream)
    out: list[list[Pair]] = []
    while len(out) < recipe.steps and len(pending) >= size:
        batch: list[Pair] = []
        seen: set[str] = set()
        skipped: list[Pair] = []
        while pending and len(batch) < size:
            pair = pending.popleft()
            if pair.group in seen:
                skipped.append(pair)
            else:
                batch.append(pair)
                seen.add(pair.group)
        pending.extendleft(reversed(skipped))
        if len(batch) < size:
            break
        out.append(batch)
    return out


def learning_rate_factor(step: int, steps: int, warmup_share: float) -> float:
    """Linear warm-up over the first share of the steps, then linear decay to zero."""
    warmup = max(1, math.ceil(steps * warmup_share))
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (steps - step) / max(1, steps - warmup))


def fine_tune(
    source: Path,
    target: Path,
    pairs: Sequence[Pair],
    recipe: Recipe,
    *,
    prefix: str,
    progress: Callable[[int, int], None] | None = None,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train a copy of the sentence-transformers model at `source` on `pairs` and write it to
    `target` (a new directory; `source` is never written). Returns what the run measured."""
    import torch
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    plan = batches(pairs, recipe)
    if not plan:
        raise ValueError("too few documents to form a training batch")
    torch.manual_seed(recipe.seed)
    model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    model.max_seq_length = recipe.max_seq_length
    model.eval()  # no dropout: the gradient-cache re-run must reproduce the first pass
    transformer: Any = model[0].auto_model
    # The word-embedding table is 80% of the weights (250k tokens × 384) and a corpus touches
    # few rows: frozen, it needs no gradient or AdamW state (1.1 GB less) and decays nothing.
    transformer.get_input_embeddings().weight.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable, lr=recipe.learning_rate, weight_decay=recipe.weight_decay
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, len(plan), recipe.warmup_share)
    )
    losses: list[float] = []

    # sentence-transformers 6 renamed `tokenize` to `preprocess`
    tokenize = getattr(model, "preprocess", None) or model.tokenize

    def embed(texts: list[str]) -> Any:
        features = tokenize([prefix + t for t in texts])
        return model(features)["sentence_embedding"]

    for step, batch in enumerate(plan):
        sides = [[p.query for p in batch], [p.passage for p in batch]]
        chunks = [
            side[i : i + recipe.micro_batch]
            for side in sides
            for i in range(0, len(side), recipe.micro_batch)
        ]
        with torch.no_grad():
            cached = [embed(chunk) for chunk in chunks]
        half = len(chunks) // 2
        queries = torch.cat(cached[:half]).requires_grad_(True)
        passages = torch.cat(cached[half:]).requires_grad_(True)
        scores = queries @ passages.T / recipe.temperature
        labels = torch.arange(len(batch))
        loss = (
            torch.nn.functional.cross_entropy(scores, labels)
            + torch.nn.functional.cross_entropy(scores.T, labels)
        ) / 2
        loss.backward()
        assert queries.grad is not None and passages.grad is not None
        grads = [*queries.grad.split(recipe.micro_batch), *passages.grad.split(recipe.micro_batch)]
        for chunk, grad in zip(chunks, grads, strict=True):
            (embed(chunk) * grad).sum().backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if progress:
            progress(step + 1, len(plan))

    _write(model, source, target, provenance or {})
    return {
        "steps": len(plan),
        "batch_size": len(plan[0]),
        "losses": [round(x, 4) for x in losses],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _write(model: Any, source: Path, target: Path, provenance: dict[str, Any]) -> None:
    """Copy the source model's files except its weights, then write the trained weights; the
    directory appears under its final name only when complete."""
    staged = target.with_name(target.name + ".partial")
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(source, staged, ignore=shutil.ignore_patterns(WEIGHTS, "*.partial"))
    model[0].auto_model.save_pretrained(str(staged), safe_serialization=True)
    (staged / "matchmaker_adapted.json").write_text(
        json.dumps(provenance, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    staged.rename(target)


@dataclass(frozen=True)
class Retrieval:
    """How well queries find their own passage among all passages."""

    mrr: float
    recall_at_1: float
    recall_at_10: float
    count: int

    def as_dict(self) -> dict[str, float]:
        return {
            "mrr": round(self.mrr, 4),
            "recall@1": round(self.recall_at_1, 4),
            "recall@10": round(self.recall_at_10, 4),
            "count": self.count,
        }


def own_passage_retrieval(
    encode: Callable[[list[str]], np.ndarray],
    queries: Sequence[str],
    passages: Sequence[str],
    targets: Iterable[set[int]],
) -> Retrieval:
    """Rank every passage for each query by cosine; `targets` are each query's right passages."""
    wanted = list(targets)
    if not queries:
        return Retrieval(0.0, 0.0, 0.0, 0)
    q = encode(list(queries))
    p = encode(list(passages))
    scores = q @ p.T
    rr = top1 = top10 = 0.0
    for row, right in zip(scores, wanted, strict=True):
        order = np.argsort(-row, kind="stable")
        rank = next(i for i, j in enumerate(order) if int(j) in right)
        rr += 1 / (rank + 1)
        top1 += rank == 0
        top10 += rank < 10
    n = len(wanted)
    return Retrieval(rr / n, top1 / n, top10 / n, n)
