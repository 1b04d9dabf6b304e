"""
DANN on shifted moons: decision boundary
========================================

A small :class:`~sktransfer.deep.DANNClassifier` trained for a few epochs on
the CPU, on :func:`~sktransfer.datasets.make_shifted_moons` (the target moons
are rotated). The figure shows its decision boundary over the source and the
target rows, next to a source-only network
(:class:`~sktransfer.deep.SourceOnlyClassifier`) with the same settings.
"""

import matplotlib.pyplot as plt
import numpy as np

from sktransfer.datasets import make_shifted_moons
from sktransfer.deep import DANNClassifier, SourceOnlyClassifier

data = make_shifted_moons(n_source=300, n_target=300, angle=35.0, random_state=0)
X, y, sd = data.X.astype(np.float32), data.y, data.sample_domain
src, tgt = sd == 1, sd == 2
sd_fit = np.where(tgt, -2, 1)  # negative sample_domain: target rows
y_fit = np.where(tgt, -1, y)  # target labels masked

settings = dict(max_epochs=60, lr=1e-2, batch_size=64, device="cpu", random_state=0)
models = {
    "source only": SourceOnlyClassifier(**settings),
    "DANN": DANNClassifier(adaptation_weight=1.0, **settings),
}
for name, model in models.items():
    model.fit(X, y_fit, sample_domain=sd_fit)
    print(f"target accuracy, {name}: {model.score(X[tgt], y[tgt]):.3f}")

xx, yy = np.meshgrid(np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 150),
                     np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 150))
grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
fig, ax = plt.subplots(1, 2, figsize=(10, 4), sharex=True, sharey=True)
for a, (name, model) in zip(ax, models.items()):
    zz = model.predict(grid).reshape(xx.shape)
    a.contourf(xx, yy, zz, alpha=0.2, cmap="coolwarm")
    a.scatter(*X[src].T, c=y[src], cmap="coolwarm", s=8, marker="o", label="source")
    a.scatter(*X[tgt].T, c=y[tgt], cmap="coolwarm", s=12, marker="x", label="target")
    a.set_title(name)
    a.legend()
plt.tight_layout()
plt.show()
