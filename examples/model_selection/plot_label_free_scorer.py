"""
Choosing a hyperparameter without target labels
===============================================

A label-free scorer from :mod:`sktransfer.model_selection` estimates the
target score of a fitted adapter from unlabelled target rows. Here
:class:`~sktransfer.model_selection.ImportanceWeightedScorer` (the source
validation accuracy, reweighted by a domain classifier) and
:class:`~sktransfer.model_selection.PredictionEntropyScorer` (minus the mean
prediction entropy on the target) are compared with the true target accuracy
over a grid of :class:`~sktransfer.KMM`'s kernel ``gamma``.

On this draw the importance-weighted score follows the true accuracy and
picks the best ``gamma``; the prediction entropy does not: it prefers the
most confident model, which is not the most accurate one.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import KMM
from sktransfer.datasets import make_covariate_shift
from sktransfer.model_selection import ImportanceWeightedScorer, PredictionEntropyScorer

data = make_covariate_shift(n_source=300, n_target=300, shift=1.5, random_state=0)
X, y = data.X, data.y
tgt = data.sample_domain == 2
sd, y_fit = np.where(tgt, -2, 1), np.where(tgt, -1, y)

gammas = [0.01, 0.1, 1.0, 10.0]
scorers = {"importance weighted": ImportanceWeightedScorer(random_state=0),
           "prediction entropy": PredictionEntropyScorer()}
results = {name: [] for name in [*scorers, "true target accuracy"]}
for g in gammas:
    model = KMM(LogisticRegression(), gamma=g).fit(X, y_fit, sample_domain=sd)
    for name, scorer in scorers.items():
        results[name].append(scorer(model, X, y_fit, sample_domain=sd))
    results["true target accuracy"].append(model.score(X[tgt], y[tgt]))
    print(f"gamma={g:5}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in results.items()))
for name in scorers:
    pick = gammas[int(np.argmax(results[name]))]
    print(f"{name} picks gamma={pick}")

fig, ax = plt.subplots(1, len(results), figsize=(12, 3.5), sharex=True)
for a, (name, s) in zip(ax, results.items()):
    a.plot(gammas, s, "o-")
    a.set_xscale("log")
    a.set_title(name)
    a.set_xlabel("KMM gamma")
plt.tight_layout()
plt.show()
