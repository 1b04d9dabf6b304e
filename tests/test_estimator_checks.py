"""scikit-learn's own estimator checks on every sktransfer estimator.

The checks fit on fully labelled data without ``sample_domain``, which has no
target rows under the domain data contract; they run on the subclasses of
``_harness.py``, which mark every other row as a target row and are otherwise
the estimators themselves. That the plain estimators reject such data with a
clear error is tested in ``test_contract.py``.

Checks that cannot pass by design are listed below, each with its reason.
"""

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from _harness import CheckedCORAL

REASONS = {
    "check_classifiers_classes": (
        "uses the labels {-1, 1}; -1 is the contract's marker of an unlabelled "
        "classification row, so those rows are (correctly) not trained on"
    ),
    "check_transformer_general": (
        "fit_transform adapts the source rows as source rows, while transform "
        "treats every row as a target row unless sample_domain says otherwise "
        "(the contract); transform(X, sample_domain=fit domains) == "
        "fit_transform(X) is tested in test_contract.py"
    ),
    "check_transformer_data_not_an_array": (
        "the same fit_transform/transform comparison as check_transformer_general"
    ),
}


def expected_failed_checks(estimator):
    names = dict(REASONS)
    if not hasattr(estimator, "transform"):
        names.pop("check_transformer_general")
        names.pop("check_transformer_data_not_an_array")
    return names


ESTIMATORS = [
    CheckedCORAL(LogisticRegression()),
    CheckedCORAL(Ridge()),
    CheckedCORAL(),
    CheckedCORAL(LogisticRegression(), reg="auto", center=True),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
