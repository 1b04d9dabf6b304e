"""
Heterogeneous transfer: a sparse map between feature spaces
===========================================================

:func:`~sktransfer.datasets.make_heterogeneous_shift` draws source rows with
20 features and target rows with 10 different features, related by a planted
sparse map :math:`W^*`, plus a few parallel pairs described in both spaces.
:class:`~sktransfer.SparseHeterogeneousMapping` learns a map from the source
space to the target space, and trains one classifier on mapped source rows
and target rows. The figure compares the learned map with the planted one.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import SparseHeterogeneousMapping
from sktransfer.datasets import make_heterogeneous_shift

data = make_heterogeneous_shift(n_source=300, n_target=300, n_parallel=100,
                                random_state=0)
X, y = data.X, data.y
target_rows = (data.sample_domain == 2) & ~data.parallel
y_fit = np.where(target_rows, -1, y)  # the target labels are hidden

model = SparseHeterogeneousMapping(
    LogisticRegression(), source_features=data.source_features,
    target_features=data.target_features, random_state=0).fit(X, y_fit)
W = model.map_
print(f"learned map: shape {W.shape}, "
      f"{np.mean(np.abs(W) > 1e-3):.2f} of entries non-zero "
      f"(planted: {np.mean(data.coef != 0):.2f})")
Xt = X[target_rows]
print(f"target accuracy: {model.score(Xt, y[target_rows]):.3f}")

fig, ax = plt.subplots(1, 2, figsize=(8, 5))
for a, M, title in [(ax[0], data.coef, "planted map $W^*$"), (ax[1], W, "learned map")]:
    lim = np.abs(M).max()
    im = a.imshow(M, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    a.set_title(title)
    a.set_xlabel("target feature")
    a.set_ylabel("source feature")
    fig.colorbar(im, ax=a)
plt.tight_layout()
plt.show()
