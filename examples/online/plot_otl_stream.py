"""
Online transfer: cumulative mistake rate along a stream
=======================================================

:class:`~sktransfer.OnlineTransferClassifier` (HomOTL) combines a fitted
source model with an online kernel learner on the target stream, and
reweights the two by their mistakes. Its ``cumulative_mistake_rate_`` is
compared with the source model alone on the same stream, here a covariate
shift from :func:`~sktransfer.datasets.make_covariate_shift`.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import OnlineTransferClassifier
from sktransfer.datasets import make_covariate_shift

data = make_covariate_shift(n_source=300, n_target=400, shift=1.5, random_state=0)
X, y, sd = data.X, data.y, data.sample_domain
src, tgt = sd == 1, sd == 2

source = LogisticRegression().fit(X[src], y[src])
otl = OnlineTransferClassifier(source).fit(X[tgt], y[tgt])

source_mistakes = source.predict(X[tgt]) != y[tgt]
source_rate = np.cumsum(source_mistakes) / np.arange(1, tgt.sum() + 1)
print(f"final mistake rate, source model only: {source_rate[-1]:.3f}")
print(f"final mistake rate, OTL:               {otl.cumulative_mistake_rate_[-1]:.3f}")
print(f"final weights (source, target learner): {otl.weights_[0].round(3)}")

plt.figure(figsize=(6, 4))
plt.plot(source_rate, label="source model only")
plt.plot(otl.cumulative_mistake_rate_, label="OnlineTransferClassifier")
plt.xlabel("target rows seen")
plt.ylabel("cumulative mistake rate")
plt.legend()
plt.tight_layout()
plt.show()
