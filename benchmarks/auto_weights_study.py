"""The measurement behind AutoAdapter's ``iw`` criterion: which importance
weights let the importance-weighted score of the deployed model on held-out
source rows track the target score.

For each real classification task named on the command line (seed 0, the
suite's base estimator and preprocessing), 3 stratified folds of the source
rows; for source-only and one setting of each adapter, the gain over
source-only of the importance-weighted held-out accuracy (rows predicted as
target rows) under four weightings: logistic domain classifier with C = 1
or 0.01, density ratio raised to 1 or 0.5; and, for comparison, the
unweighted accuracy and the fold models' accuracy on the scored target
rows (``oracle``). Prints ``mean[min over folds]`` of each gain.

    python benchmarks/auto_weights_study.py "office A->W" "office W->D" heart "wine red->white"

Results and their reading: ``docs/auto_adapter.md``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
DATA = str(Path(__file__).resolve().parents[2] / "shared" / "data")

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from suite_tasks import select_tasks
from suite_methods import choose_base
from sktransfer import CORAL, LinearOTMapping, SubspaceAlignment, KMM, TCA
from sktransfer._kernels import median_heuristic_gamma

tasks, _ = select_tasks(("heart", "office", "amazon", "wine"), DATA)
names = sys.argv[1:]
tasks = [
    t for t in tasks if t.kind == "classification" and any(n in t.name for n in names)
]
for task in tasks:
    p = task.draw(DATA, 0)
    base, _ = choose_base(p)
    src = p.source_index
    tgt = np.flatnonzero(p.sample_domain < 0)
    d = p.X.shape[1]
    cands = {
        "so": None,
        "coral": CORAL(clone(base), reg="auto"),
        "lot": LinearOTMapping(clone(base)),
        "sa": SubspaceAlignment(clone(base), n_components=max(1, min(100, d // 2))),
        "kmm": KMM(
            clone(base),
            B=1000.0,
            gamma=median_heuristic_gamma(p.X, random_state=0),
            random_state=0,
        ),
        "tca": TCA(
            clone(base),
            kernel="linear",
            n_components=max(2, min(50, d // 2)),
            random_state=0,
        ),
    }
    res = {}
    for f, (tr, ho) in enumerate(
        StratifiedKFold(3, shuffle=True, random_state=0).split(src, p.y[src])
    ):
        held = src[ho]
        trs = src[tr]
        train = np.setdiff1d(np.arange(len(p.y)), held)
        W = {}
        for C in (1.0, 0.01):
            clf = LogisticRegression(C=C, max_iter=2000).fit(
                p.X[np.r_[trs, tgt]], np.r_[np.zeros(len(trs)), np.ones(len(tgt))]
            )
            pt = np.clip(clf.predict_proba(p.X[held])[:, 1], 1e-12, 1 - 1e-12)
            r = pt / (1 - pt)
            for lam in (1.0, 0.5):
                W[(C, lam)] = r**lam
        for n, e in cands.items():
            if e is None:
                m = clone(base).fit(p.X[trs], p.y[trs])
                ph = m.predict(p.X[held])
                pe = m.predict(p.X[p.eval_index])
            else:
                m = clone(e).fit(
                    p.X[train], p.y[train], sample_domain=p.sample_domain[train]
                )
                ph = m.predict(p.X[held], sample_domain=-np.ones(len(held), int))
                pe = m.predict(p.X[p.eval_index])
            ok = (ph == p.y[held]).astype(float)
            row = res.setdefault(n, {k: [] for k in list(W) + ["oracle", "plain"]})
            for k, w in W.items():
                row[k].append(100 * np.sum(w * ok) / np.sum(w))
            row["plain"].append(100 * ok.mean())
            row["oracle"].append(100 * np.mean(pe == p.y_eval))
    print("==", task.name, flush=True)
    for n, row in res.items():
        g = {k: np.array(v) - np.array(res["so"][k]) for k, v in row.items()}
        print(
            f"{n:6s} oracle {np.mean(g['oracle']):+6.1f} | "
            + " ".join(
                f"{k}:{np.mean(v):+6.1f}[{np.min(v):+.1f}]"
                for k, v in g.items()
                if k != "oracle"
            ),
            flush=True,
        )
