"""
Kernel mean matching: source weights before and after
=====================================================

:class:`~sktransfer.instance.KMM` reweights the source rows so that their
weighted mean in a kernel feature space matches the target's. On a covariate
shift (:func:`~sktransfer.datasets.make_covariate_shift`), the source rows
that look like target rows get large weights; the weighted source histogram
of the first feature moves onto the target's.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import KMM
from sktransfer.datasets import make_covariate_shift

data = make_covariate_shift(n_source=300, n_target=300, shift=1.5, random_state=0)
X, y, sd = data.X, data.y, data.sample_domain
src, tgt = sd == 1, sd == 2
y_masked = np.where(tgt, -1, y)  # masked target labels
sd = np.where(tgt, -2, 1)  # negative sample_domain: target rows

kmm = KMM(LogisticRegression(), B=100.0).fit(X, y_masked, sample_domain=sd)
w = kmm.weights_
print(f"weights: min {w.min():.3f}, mean {w.mean():.3f}, max {w.max():.3f}")
print(f"weighted source mean of x0: {np.average(X[src, 0], weights=w):.3f} "
      f"(unweighted {X[src, 0].mean():.3f}, target {X[tgt, 0].mean():.3f})")

source_only = LogisticRegression().fit(X[src], y[src])
print(f"target accuracy, source only: {source_only.score(X[tgt], y[tgt]):.3f}")
print(f"target accuracy, KMM:         {kmm.score(X[tgt], y[tgt]):.3f}")

fig, ax = plt.subplots(1, 2, figsize=(10, 4))
bins = np.linspace(X[:, 0].min(), X[:, 0].max(), 30)
ax[0].hist(X[src, 0], bins, density=True, alpha=0.5, label="source")
ax[0].hist(X[tgt, 0], bins, density=True, alpha=0.5, label="target")
ax[0].set_title("before: unweighted source")
ax[1].hist(X[src, 0], bins, weights=w, density=True, alpha=0.5, label="source (KMM)")
ax[1].hist(X[tgt, 0], bins, density=True, alpha=0.5, label="target")
ax[1].set_title("after: KMM-weighted source")
for a in ax:
    a.set_xlabel("feature 0")
    a.legend()
plt.tight_layout()
plt.show()
