"""
Fit time against the number of rows
===================================

Wall-clock fit time of :class:`~sktransfer.CORAL` (a covariance per domain:
linear in n) and :class:`~sktransfer.KMM` (a quadratic program on the source
rows, whose cost grows faster with n), with a logistic regression on top, on
:func:`~sktransfer.datasets.make_covariate_shift` data with ``n`` source and
``n`` target rows. Timings are of one run on whatever machine built the page.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import CORAL, KMM
from sktransfer.datasets import make_covariate_shift

ns = [200, 500, 1000, 2000]
times = {"CORAL": [], "KMM": []}
for n in ns:
    data = make_covariate_shift(n_source=n, n_target=n, n_features=5, random_state=0)
    tgt = data.sample_domain == 2
    sd, y = np.where(tgt, -2, 1), np.where(tgt, -1, data.y)
    for name, model in [("CORAL", CORAL(LogisticRegression())),
                        ("KMM", KMM(LogisticRegression()))]:
        t0 = time.perf_counter()
        model.fit(data.X, y, sample_domain=sd)
        times[name].append(time.perf_counter() - t0)
    print(f"n={n:4d}: CORAL {times['CORAL'][-1]:.3f} s, KMM {times['KMM'][-1]:.3f} s")

plt.figure(figsize=(6, 4))
for name, t in times.items():
    plt.loglog(ns, t, "o-", label=name)
plt.xlabel("n (source rows = target rows)")
plt.ylabel("fit time (s)")
plt.legend()
plt.tight_layout()
plt.show()
