"""Speed and accuracy of the deep adapters (``sktransfer.deep``).

Part 1, throughput. For each of SourceOnly, DANN, Deep CORAL, DAN and MCD:
training rows processed per second over whole epochs by our skorch net,
against a minimal hand-written torch loop doing the same work on the same
device -- the same ``TabularModule`` (same hidden sizes), Adam with the same
learning rate, the same batches (``batch_size // 2`` source rows and
``batch_size // 2`` target rows, drawn by ``randperm`` from rows already on
the device, ``ceil(max(n_s, n_t) / (batch_size // 2))`` batches an epoch)
and the same losses (the package's ``coral_loss``, ``mk_mmd``,
``gradient_reversal`` with a ``DomainDiscriminator``, MCD's three steps with
the same ``num_k``). The hand loop is the reference for what the skorch
machinery costs; the target is ours / hand >= 0.8. Each measurement is one
fit of a warm-up epoch plus the timed epochs (CUDA synchronised at the
clock reads), the best of a few repeats, ours and the hand loop alternating.
Data: a synthetic covariate shift (``make_covariate_shift``).

Part 2, against skada (``skada.deep``): DANN and Deep CORAL of both
packages, and our source-only net, on Office-Caltech10 SURF amazon -> webcam
(the published preprocessing), with the same module (an MLP feature
extractor of the same hidden sizes and a linear head), epochs, batch
composition (skada's ``batch_size`` is per domain, so it gets half of ours),
Adam and learning rate: fit time (wall clock, setup included) and target
accuracy, over several seeds. The DANN pair is matched: our
``schedule="constant"`` with weight 1 and skada with the same discriminator
(ours, with a sigmoid) and ``reg=0.5`` (skada sums the source and target
domain losses where we average them). skada's DANN with its own default
``DomainClassifier`` is run too, as a user gets it. Deep CORAL acts on the
task output in both (our default; skada's hook on the head).

    python benchmarks/bench_deep.py --quick --device cpu   # < 1 min on 2 cores
    python benchmarks/bench_deep.py --device cuda          # ~3 min on one GPU
    python benchmarks/bench_deep.py --device cpu           # ~10 min on 2 cores

Writes ``bench_deep_<device>.md`` and ``bench_deep_<device>.csv`` into
``--out`` (default ``docs/``; ``build/`` with ``--quick``, whose files get a
``_quick`` suffix). Importing skada turns scikit-learn's metadata routing on
for the whole process: part 2 runs under it (our nets too), and the setting
is restored when ``main`` returns.
"""

from __future__ import annotations

import argparse
import copy
import csv
import math
import os
import platform
import shlex
import sys
import time
import warnings
from dataclasses import asdict, dataclass, replace
from itertools import chain
from pathlib import Path

import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score
from skorch.callbacks import Callback

from sktransfer.datasets import (
    fetch_office_caltech10,
    make_covariate_shift,
    make_domain_split,
)
from sktransfer.deep._data import resolve_device, seeded
from sktransfer.deep import (
    DANClassifier,
    DANNClassifier,
    DeepCORALClassifier,
    DomainDiscriminator,
    MCDClassifier,
    SourceOnlyClassifier,
    TabularModule,
    coral_loss,
    gradient_reversal,
    mk_mmd,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
TARGET_RATIO = 0.8
METHODS = ("SourceOnly", "DANN", "DeepCORAL", "DAN", "MCD")
NETS = {"SourceOnly": SourceOnlyClassifier, "DANN": DANNClassifier,
        "DeepCORAL": DeepCORALClassifier, "DAN": DANClassifier, "MCD": MCDClassifier}
NUM_K = 4  # MCD's generator steps, ours and the hand loop's
CSV_FIELDS = ("part", "method", "implementation", "seed", "epochs", "batch_size",
              "rows_per_epoch", "seconds", "rows_per_s", "target_accuracy", "error")


@dataclass(frozen=True)
class Settings:
    """Sizes of one run (``FULL`` or ``QUICK``)."""

    n_rows: int  # per domain, throughput part
    n_features: int
    hidden: tuple
    batch_size: int
    epochs: int  # timed epochs, after one warm-up epoch
    repeats: int
    lr: float
    office_hidden: tuple
    office_batch_size: int
    office_epochs: int
    seeds: int


FULL = Settings(n_rows=20000, n_features=64, hidden=(64, 64), batch_size=256, epochs=2,
                repeats=3, lr=1e-3, office_hidden=(256, 128), office_batch_size=64,
                office_epochs=60, seeds=3)
QUICK = Settings(n_rows=1024, n_features=16, hidden=(32, 32), batch_size=128, epochs=1,
                 repeats=1, lr=1e-3, office_hidden=(64,), office_batch_size=64,
                 office_epochs=2, seeds=1)


# ------------------------------------------------------------------ devices
def synchronizer(device):
    """A function that waits for the device's queued work (a no-op on CPU)."""
    return torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)


def describe_device(device):
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f
                     if line.startswith("model name")]
        model = names[0] if names else model
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} logical CPUs, torch threads "
            f"{torch.get_num_threads()}")


# --------------------------------------------------------------- part 1 data
def shift_problem(settings, seed=0):
    """``X`` (float32), masked ``y`` and ``sample_domain`` of a covariate shift
    with ``n_rows`` rows per domain."""
    split = make_domain_split(
        make_covariate_shift(n_source=settings.n_rows, n_target=settings.n_rows,
                             n_features=settings.n_features, random_state=seed),
        "source", "target")
    return split.X.astype(np.float32), split.y, split.sample_domain


def batch_plan(n_source, n_target, batch_size):
    """``(half_source, half_target, n_batches)`` of the domain-balanced epoch."""
    half = max(batch_size // 2, 1)
    hs, ht = min(half, n_source), min(half, n_target)
    return hs, ht, max(math.ceil(n_source / hs), math.ceil(n_target / ht))


# ----------------------------------------------------------------- ours
class EpochClock(Callback):
    """Wall-clock time at the start of every epoch and at the end of
    training, read after the device's queued work is done."""

    def __init__(self, sync):
        self.sync = sync

    def initialize(self):
        self.stamps_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.sync()
        self.stamps_.append(time.perf_counter())

    def on_train_end(self, net, **kwargs):
        self.sync()
        self.stamps_.append(time.perf_counter())


def make_net(method, settings, device, seed, max_epochs, **params):
    kwargs = {"num_k": NUM_K} if method == "MCD" else {}
    kwargs.update(params)
    return NETS[method](max_epochs=max_epochs, batch_size=settings.batch_size,
                        lr=settings.lr, device=device, random_state=seed,
                        module__hidden=settings.hidden, **kwargs)


def time_ours(method, data, settings, device, seed):
    """Seconds and rows of the timed epochs of one fit of our net."""
    X, y, sd = data
    clock = EpochClock(synchronizer(device))
    net = make_net(method, settings, device, seed, 1 + settings.epochs,
                   callbacks=[clock])
    net.fit(X, y, sample_domain=sd)
    hs, ht, _ = batch_plan(int((sd > 0).sum()), int((sd < 0).sum()), settings.batch_size)
    batches = sum(net.history[1:, "train_batch_count"])
    return clock.stamps_[-1] - clock.stamps_[1], batches * (hs + ht)


# ------------------------------------------------------------ hand loop
class HandLoop:
    """The minimal torch loop: rows on the device, ``randperm`` batches, the
    same module, optimiser and losses as our net of ``method``."""

    def __init__(self, method, data, settings, device, seed):
        X, y, sd = data
        source, target = sd > 0, sd < 0
        self.method, self.device = method, device
        self.n_source, self.n_target = int(source.sum()), int(target.sum())
        self.hs, self.ht, self.n_batches = batch_plan(self.n_source, self.n_target,
                                                      settings.batch_size)
        self.epochs_total = 1 + settings.epochs
        rows = np.r_[np.flatnonzero(source), np.flatnonzero(target)]
        self.X = torch.as_tensor(X[rows]).to(device)
        classes, y_source = np.unique(y[source], return_inverse=True)
        self.y = torch.as_tensor(y_source, dtype=torch.int64).to(device)
        self.domain = torch.cat([torch.zeros(self.hs), torch.ones(self.ht)]).to(device)
        with seeded(seed, device):
            self._build(X.shape[1], len(classes), settings)

    def _build(self, n_features, n_classes, settings):
        device, lr = self.device, settings.lr
        self.module = TabularModule(n_features, n_classes, hidden=settings.hidden).to(device)
        params = list(self.module.parameters())
        if self.method == "DANN":
            self.disc = DomainDiscriminator(settings.hidden[-1]).to(device)
            params += list(self.disc.parameters())
        if self.method == "MCD":
            self.head_2 = copy.deepcopy(self.module.head)
            self.head_2.reset_parameters()
            self.opt_g = torch.optim.Adam(self.module.feature_extractor.parameters(), lr=lr)
            self.opt_h = torch.optim.Adam(
                chain(self.module.head.parameters(), self.head_2.parameters()), lr=lr)
        else:
            self.opt = torch.optim.Adam(params, lr=lr)

    def _order(self):
        """One epoch's batches: rows of ``X`` (source first in each batch)."""
        def stream(n, length):
            perms = [torch.randperm(n, device=self.device)
                     for _ in range(math.ceil(length / n))]
            return torch.cat(perms)[:length]

        src = stream(self.n_source, self.n_batches * self.hs).view(self.n_batches, self.hs)
        tgt = stream(self.n_target, self.n_batches * self.ht).view(self.n_batches, self.ht)
        return torch.cat([src, tgt + self.n_source], dim=1)

    def _task(self, out, rows):
        return F.cross_entropy(out[:self.hs], self.y[rows[:self.hs]])

    def _step(self, rows, progress):
        """One training step; returns the (detached) loss."""
        X, hs = self.X[rows], self.hs
        if self.method == "MCD":
            return self._mcd_step(X, rows)
        features = self.module.feature_extractor(X)
        out = self.module.head(features)
        loss = self._task(out, rows)
        if self.method == "DANN":
            scale = 2.0 / (1.0 + math.exp(-10.0 * progress)) - 1.0  # Ganin's schedule
            logits = self.disc(gradient_reversal(features, scale))
            loss = loss + F.binary_cross_entropy_with_logits(logits, self.domain)
        elif self.method == "DeepCORAL":
            loss = loss + coral_loss(out[:hs], out[hs:])
        elif self.method == "DAN":
            loss = loss + mk_mmd(features[:hs], features[hs:]) + mk_mmd(out[:hs], out[hs:])
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.detach()

    def _heads(self, features):
        return self.module.head(features), self.head_2(features)

    def _discrepancy(self, a, b):
        return (torch.softmax(a, 1) - torch.softmax(b, 1)).abs().mean()

    def _mcd_step(self, X, rows):
        hs, fe = self.hs, self.module.feature_extractor
        self.opt_g.zero_grad()
        self.opt_h.zero_grad()
        o1, o2 = self._heads(fe(X))
        task = self._task(o1, rows) + self._task(o2, rows)
        task.backward()
        self.opt_g.step()
        self.opt_h.step()
        self.opt_h.zero_grad()
        with torch.no_grad():
            features = fe(X)
        b1, b2 = self._heads(features)
        loss_b = (self._task(b1, rows) + self._task(b2, rows)
                  - self._discrepancy(b1[hs:], b2[hs:]))
        loss_b.backward()
        self.opt_h.step()
        for _ in range(NUM_K):
            self.opt_g.zero_grad()
            self.opt_h.zero_grad()
            c1, c2 = self._heads(fe(X[hs:]))
            self._discrepancy(c1, c2).backward()
            self.opt_g.step()
        return task.detach()

    def run_epoch(self, epoch):
        self.module.train()
        total = torch.zeros((), device=self.device)
        for b, rows in enumerate(self._order()):
            progress = (epoch + b / self.n_batches) / self.epochs_total
            total += self._step(rows, progress)
        return total.item() / self.n_batches  # one device sync an epoch, as ours


def time_hand(method, data, settings, device, seed):
    """Seconds and rows of the timed epochs of the hand loop."""
    sync = synchronizer(device)
    loop = HandLoop(method, data, settings, device, seed)
    with seeded(seed + 1, device):
        loop.run_epoch(0)  # warm-up
        sync()
        start = time.perf_counter()
        for epoch in range(1, loop.epochs_total):
            loop.run_epoch(epoch)
        sync()
        seconds = time.perf_counter() - start
    return seconds, settings.epochs * loop.n_batches * (loop.hs + loop.ht)


def failure(exc):
    """One line naming an exception, for the report."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def best_rates(method, data, settings, device):
    """The fastest of ``settings.repeats`` runs of ours and of the hand loop."""
    best = {}
    for repeat in range(settings.repeats):
        for impl, timer in (("ours", time_ours), ("hand", time_hand)):
            seconds, n_rows = timer(method, data, settings, device, seed=repeat)
            rate = n_rows / seconds
            if impl not in best or rate > best[impl]["rows_per_s"]:
                best[impl] = {"part": "throughput", "method": method,
                              "implementation": impl, "seed": repeat,
                              "epochs": settings.epochs,
                              "batch_size": settings.batch_size,
                              "rows_per_epoch": n_rows // settings.epochs,
                              "seconds": seconds, "rows_per_s": rate}
    return best


def throughput(settings, device, log):
    """Part 1: the best rows/s of ours and of the hand loop, per method (a
    method that raises is reported as failed, and the run goes on)."""
    data = shift_problem(settings)
    rows = []
    for method in METHODS:
        try:
            best = best_rates(method, data, settings, device)
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            log(f"  {method:<10} FAILED {failure(exc)}")
            rows.append({"part": "throughput", "method": method,
                         "implementation": "ours", "error": failure(exc)})
            continue
        ratio = best["ours"]["rows_per_s"] / best["hand"]["rows_per_s"]
        log(f"  {method:<10} ours {best['ours']['rows_per_s']:>10,.0f} rows/s   hand "
            f"{best['hand']['rows_per_s']:>10,.0f} rows/s   ratio {ratio:.2f}")
        rows += [best["ours"], best["hand"]]
    return rows


# ------------------------------------------------------ part 2: vs skada
class SkadaMLP(torch.nn.Module):
    """Our ``TabularModule``'s layers with the ``forward(X, sample_weight)``
    signature skada's ``DomainAwareModule`` calls."""

    def __init__(self, n_features, n_classes, hidden):
        super().__init__()
        inner = TabularModule(n_features, n_classes, hidden=hidden)
        self.feature_extractor, self.head = inner.feature_extractor, inner.head

    def forward(self, X, sample_weight=None):
        return self.head(self.feature_extractor(X))


class SigmoidDiscriminator(torch.nn.Module):
    """Our ``DomainDiscriminator`` behind a gradient reversal (scale 1), with
    the probability output skada's ``DANNLoss`` (``BCELoss``) expects."""

    def __init__(self, n_features):
        super().__init__()
        self.disc = DomainDiscriminator(n_features)

    def forward(self, Z, sample_weight=None):
        return torch.sigmoid(self.disc(gradient_reversal(Z, 1.0)))


def office_problem(data_home):
    bunch = fetch_office_caltech10(data_home=data_home, domains=["amazon", "webcam"],
                                   preprocessing="published")
    split = make_domain_split(bunch, "amazon", "webcam")
    split.X = split.X.astype(np.float32)
    return split


def ours_office(variant):
    method, params = {
        "SourceOnly": ("SourceOnly", {}),
        "DANN (constant 1)": ("DANN", {"schedule": "constant", "adaptation_weight": 1.0}),
        "DANN (default: Ganin schedule)": ("DANN", {}),
        "DeepCORAL (output)": ("DeepCORAL", {"layers": ("output",)}),
    }[variant]

    def fit_predict(split, settings, device, seed):
        net = NETS[method](max_epochs=settings.office_epochs,
                           batch_size=settings.office_batch_size, lr=settings.lr,
                           device=device, random_state=seed,
                           module__hidden=settings.office_hidden, **params)
        net.fit(split.X, split.y, sample_domain=split.sample_domain)
        return net.predict(split.X[split.target_index])
    return fit_predict


def skada_office(variant):
    def fit_predict(split, settings, device, seed):
        import skada.deep as sd

        n_features, n_classes = split.X.shape[1], len(np.unique(split.y[split.y >= 0]))
        width = settings.office_hidden[-1]
        common = dict(max_epochs=settings.office_epochs, lr=settings.lr,
                      batch_size=settings.office_batch_size // 2,  # per domain
                      optimizer=torch.optim.Adam, device=device, train_split=None,
                      verbose=0)
        with seeded(seed, device):
            module = SkadaMLP(n_features, n_classes, settings.office_hidden)
            if variant == "DANN (matched discriminator)":
                net = sd.DANN(module, "feature_extractor", reg=0.5,
                              domain_classifier=SigmoidDiscriminator(width), **common)
            elif variant == "DANN (default DomainClassifier)":
                # skada 0.6's DomainClassifier ends in nn.Softmax() over its one
                # output: a constant 1 with a zero gradient (torch warns about
                # the implicit softmax dim), so no adaptation happens
                net = sd.DANN(module, "feature_extractor", reg=1.0,
                              num_features=width, **common)
            else:
                net = sd.DeepCoral(module, "head", reg=1.0, **common)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Implicit dimension choice for softmax")
                net.fit(split.X, split.y, sample_domain=split.sample_domain)
            X_t = split.X[split.target_index]
            # allow_source=True: every row given is a target row anyway, and
            # skada 0.6's select_target (taken otherwise) fails on CUDA
            # (check_array on a CUDA mask)
            return net.predict(X_t, sample_domain=np.full(len(X_t), -2), allow_source=True)
    return fit_predict


OFFICE_RUNS = (
    ("SourceOnly", "ours", "SourceOnly"),
    ("DANN", "ours", "DANN (constant 1)"),
    ("DANN", "skada", "DANN (matched discriminator)"),
    ("DANN", "ours", "DANN (default: Ganin schedule)"),
    ("DANN", "skada", "DANN (default DomainClassifier)"),
    ("DeepCORAL", "ours", "DeepCORAL (output)"),
    ("DeepCORAL", "skada", "DeepCORAL (output)"),
)


def versus_skada(settings, device, data_home, with_skada, log):
    """Part 2: fit time and target accuracy on amazon -> webcam."""
    split = office_problem(data_home)
    sync = synchronizer(device)
    # one untimed 1-epoch fit of each package first: lazy imports, allocator
    # and kernel warm-up are not counted in the first timed fit
    warm = replace(settings, office_epochs=1)
    ours_office("SourceOnly")(split, warm, device, 0)
    if with_skada:
        skada_office("DeepCORAL (output)")(split, warm, device, 0)
    rows = []
    for seed in range(settings.seeds):
        for method, impl, variant in OFFICE_RUNS:
            if impl == "skada" and not with_skada:
                continue
            fit_predict = (ours_office if impl == "ours" else skada_office)(variant)
            row = {"part": "office A->W", "method": variant, "implementation": impl,
                   "seed": seed, "epochs": settings.office_epochs,
                   "batch_size": settings.office_batch_size}
            try:
                sync()
                start = time.perf_counter()
                y_pred = fit_predict(split, settings, device, seed)
                sync()
            except Exception as exc:  # noqa: BLE001 - reported, not hidden
                log(f"  seed {seed} {impl:<5} {variant:<34} FAILED {failure(exc)}")
                rows.append({**row, "error": failure(exc)})
                continue
            seconds = time.perf_counter() - start
            acc = accuracy_score(split.y_target_true, y_pred)
            log(f"  seed {seed} {impl:<5} {variant:<34} {seconds:7.2f} s   "
                f"target accuracy {acc:.3f}")
            rows.append({**row, "seconds": seconds, "target_accuracy": acc})
    return rows


# ----------------------------------------------------------------- report
def throughput_table(rows):
    by = {(r["method"], r["implementation"]): r for r in rows}
    lines = ["| method | ours (rows/s) | hand loop (rows/s) | ours / hand | "
             f">= {TARGET_RATIO} | ours s/epoch | hand s/epoch |",
             "|---|---:|---:|---:|:---:|---:|---:|"]
    ratios = {}
    for method in METHODS:
        ours, hand = by[(method, "ours")], by.get((method, "hand"))
        if "error" in ours:
            lines.append(f"| {method} | failed: `{ours['error']}` | | | **no** | | |")
            continue
        ratio = ratios[method] = ours["rows_per_s"] / hand["rows_per_s"]
        lines.append(
            f"| {method} | {ours['rows_per_s']:,.0f} | {hand['rows_per_s']:,.0f} | "
            f"{ratio:.2f} | {'yes' if ratio >= TARGET_RATIO else '**no**'} | "
            f"{ours['seconds'] / ours['epochs']:.3f} | "
            f"{hand['seconds'] / hand['epochs']:.3f} |")
    return "\n".join(lines), ratios


def office_table(rows):
    groups = {}
    for r in rows:
        groups.setdefault((r["implementation"], r["method"]), []).append(r)
    lines = ["| implementation | method | fit time (s) | target accuracy (%) | seeds |",
             "|---|---|---:|---:|---:|"]
    for (impl, variant), rs in groups.items():
        done = [r for r in rs if "error" not in r]
        if not done:
            lines.append(f"| {impl} | {variant} | failed: `{rs[0]['error']}` | | 0 |")
            continue
        t = np.array([r["seconds"] for r in done])
        a = 100 * np.array([r["target_accuracy"] for r in done])
        lines.append(f"| {impl} | {variant} | {t.mean():.2f} ± {t.std():.2f} | "
                     f"{a.mean():.1f} ± {a.std():.1f} | {len(done)} |")
    return "\n".join(lines), groups


def time_ratios(groups):
    """skada's mean fit time over ours, for the matched pairs."""
    pairs = {"DANN": ("DANN (constant 1)", "DANN (matched discriminator)"),
             "DeepCORAL": ("DeepCORAL (output)", "DeepCORAL (output)")}

    def mean_seconds(key):
        done = [r["seconds"] for r in groups.get(key, ()) if "error" not in r]
        return np.mean(done) if done else None

    out = {}
    for method, (ours, theirs) in pairs.items():
        t_ours, t_skada = mean_seconds(("ours", ours)), mean_seconds(("skada", theirs))
        if t_ours is not None and t_skada is not None:
            out[method] = t_skada / t_ours
    return out


def versions(with_skada):
    import skorch

    parts = [f"Python {platform.python_version()}", f"torch {torch.__version__}",
             f"skorch {skorch.__version__}", f"scikit-learn {sklearn.__version__}",
             f"numpy {np.__version__}"]
    if with_skada:
        import skada

        parts.append(f"skada {skada.__version__}")
    return ", ".join(parts)


def write_report(path, *, command, device, settings, seconds, tp_rows, office_rows,
                 with_skada):
    lines = [
        f"# Deep adapters: throughput and comparison with skada ({device})\n",
        f"Produced by `{command}` in {seconds / 60:.1f} min.\n",
        f"- device: {describe_device(device)}",
        f"- {versions(with_skada)}",
        f"- settings: {asdict(settings)}\n",
        "## Protocol\n", "\n\n".join(__doc__.split("\n\n")[1:3]) + "\n",
    ]
    ratios = {}
    if tp_rows:
        tp_md, ratios = throughput_table(tp_rows)
        lines += [
            "## Throughput: ours against a hand-written torch loop\n",
            f"{settings.n_rows} source + {settings.n_rows} target rows, "
            f"{settings.n_features} features, hidden {settings.hidden}, batch "
            f"{settings.batch_size}, {settings.epochs} timed epoch(s) after one warm-up, "
            f"best of {settings.repeats}. Target: ours / hand >= {TARGET_RATIO}; "
            f"{sum(r >= TARGET_RATIO for r in ratios.values())} of {len(METHODS)} "
            "methods meet it.\n",
            tp_md + "\n",
        ]
    if office_rows:
        office_md, groups = office_table(office_rows)
        lines += [
            "## Office-Caltech10 SURF amazon -> webcam: ours and skada\n",
            f"Hidden {settings.office_hidden}, {settings.office_epochs} epochs, "
            f"{settings.office_batch_size // 2} source + "
            f"{settings.office_batch_size // 2} target rows a batch, Adam lr "
            f"{settings.lr}; mean ± std over seeds.\n",
            office_md + "\n",
        ]
        for method, ratio in time_ratios(groups).items():
            lines.append(f"- {method}: skada's fit time / ours = {ratio:.2f}")
        lines.append("")
    path.write_text("\n".join(lines))
    return ratios


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


# -------------------------------------------------------------------- main
def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--quick", action="store_true",
                   help="small sizes, 1 repeat, 1 seed (< 1 min on a 2-core CPU)")
    p.add_argument("--out", default=None,
                   help="output folder (default: docs/, build/ with --quick)")
    p.add_argument("--data-home", default=str(DEFAULT_DATA),
                   help="folder holding office_caltech10_surf/")
    p.add_argument("--no-skada", action="store_true", help="skip skada's nets")
    p.add_argument("--only", choices=("throughput", "office"), default=None,
                   help="run one part only")
    p.add_argument("--seeds", type=int, default=None, help="seeds of part 2")
    p.add_argument("--threads", type=int, default=None,
                   help="torch's CPU threads (torch.set_num_threads); default: torch's. "
                        "1 gives steadier CPU timings on a busy machine")
    return p.parse_args(argv)


def skada_available():
    try:
        import skada.deep  # noqa: F401  (turns metadata routing on)
    except ImportError:
        return False
    return True


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    device = resolve_device(args.device)
    threads = torch.get_num_threads()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    settings = QUICK if args.quick else FULL
    if args.seeds is not None:
        settings = replace(settings, seeds=args.seeds)
    out = Path(args.out or ROOT / ("build" if args.quick else "docs"))
    out.mkdir(parents=True, exist_ok=True)
    stem = f"bench_deep_{device.replace(':', '')}" + ("_quick" if args.quick else "")
    command = "python benchmarks/bench_deep.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))

    def log(message):
        print(message, flush=True)

    routing = sklearn.get_config()["enable_metadata_routing"]
    start = time.perf_counter()
    try:
        log(f"device {device}: {describe_device(device)}")
        tp_rows, office_rows, with_skada = [], [], False
        if args.only != "office":
            log("part 1: throughput, ours vs a hand-written torch loop")
            tp_rows = throughput(settings, device, log)
        if args.only != "throughput":
            with_skada = not args.no_skada and skada_available()
            log("part 2: Office-Caltech10 amazon -> webcam"
                + (" (skada on; metadata routing on)" if with_skada else " (no skada)"))
            office_rows = versus_skada(settings, device, args.data_home, with_skada, log)
        seconds = time.perf_counter() - start
        md_path, csv_path = out / f"{stem}.md", out / f"{stem}.csv"
        ratios = write_report(md_path, command=command.strip(), device=device,
                              settings=settings, seconds=seconds, tp_rows=tp_rows,
                              office_rows=office_rows, with_skada=with_skada)
        write_csv(tp_rows + office_rows, csv_path)
    finally:
        sklearn.set_config(enable_metadata_routing=routing)
        torch.set_num_threads(threads)
    log(f"done in {seconds / 60:.1f} min; wrote {md_path} and {csv_path}")
    return {"markdown": md_path, "csv": csv_path, "ratios": ratios,
            "throughput": tp_rows, "office": office_rows}


if __name__ == "__main__":
    main()
