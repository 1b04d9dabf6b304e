"""The deep nets refuse what would give non-finite or meaningless results
(issue 19): batches with one row per domain, absurd learning rates, a
diverging fit, a missing discriminator, MCD without a feature extractor;
OTL's weights stay finite for extreme eta / beta."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.linear_model import LogisticRegression  # noqa: E402

from sktransfer import OnlineTransferClassifier  # noqa: E402
from sktransfer.deep import (  # noqa: E402
    DANClassifier,
    DANNClassifier,
    DANNRegressor,
    DeepCORALClassifier,
    MCDClassifier,
)


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.r_[(X[:20, 0] > 0).astype(int), -np.ones(20, dtype=int)]
    return X, y


@pytest.mark.parametrize("cls", [DeepCORALClassifier, DANClassifier])
@pytest.mark.parametrize("batch_size", [2, 3])
def test_layer_alignment_needs_two_rows_per_domain(cls, batch_size):
    with pytest.raises(ValueError, match="needs at least 2 of each.*batch_size >= 4"):
        cls(batch_size=batch_size, max_epochs=1, random_state=0).fit(*data())
    # four rows a batch (two of each) is fine and finite
    net = cls(batch_size=4, max_epochs=1, random_state=0).fit(*data())
    assert np.all(np.isfinite(net.predict_proba(data()[0])))


def test_learning_rate_beyond_float32_is_refused():
    with pytest.raises(ValueError, match="lr=1e\\+300 does not fit"):
        DANNClassifier(lr=1e300, max_epochs=1).fit(*data())
    with pytest.raises(ValueError, match="lr must be a finite float > 0"):
        DANNClassifier(lr=-1.0, max_epochs=1).fit(*data())


def test_a_diverging_fit_is_an_error_not_a_model():
    with pytest.raises(ValueError, match="training diverged: a batch loss is (inf|nan)"):
        DeepCORALClassifier(adaptation_weight=1e300, max_epochs=2,
                            random_state=0).fit(*data())


def test_a_step_that_breaks_the_weights_after_a_finite_loss_is_an_error():
    """Found by the fuzz tests: the last step's loss is finite, the step then
    makes the weights NaN; the fit must not return a model predicting NaN."""
    X = np.array([[1.3e-301], [-1.3e-301], [6.4e-301], [1.0e-301]])
    y = np.array([1.3, np.nan, np.nan, -1.3])
    with pytest.raises(ValueError, match="training diverged: the parameter "
                                         "'feature_extractor.0.weight' holds NaN"):
        DANNRegressor(adaptation_weight=1e300, max_epochs=2, batch_size=8,
                      module__hidden=(4,), random_state=0).fit(X, y)


def test_dann_needs_a_discriminator_module():
    with pytest.raises(ValueError, match="discriminator must be a torch.nn.Module"):
        DANNClassifier(discriminator=None, max_epochs=1).fit(*data())


def test_mcd_needs_a_feature_extractor_with_parameters():
    with pytest.raises(ValueError, match="feature extractor has no parameters"):
        MCDClassifier(module__hidden=(), max_epochs=1).fit(*data())


@pytest.mark.parametrize("params", [{"eta": 1e300},
                                    {"combination": "mistake", "beta": 1e-320}])
def test_otl_weights_stay_finite_under_extreme_rates(params):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    source = LogisticRegression().fit(X, y)
    model = OnlineTransferClassifier(source, **params).partial_fit(X, 1 - y, classes=[0, 1])
    assert np.all(np.isfinite(model.weights_))
    np.testing.assert_allclose(model.weights_.sum(axis=1), 1.0)
    assert np.all(np.isfinite(model.decision_function(X)))
