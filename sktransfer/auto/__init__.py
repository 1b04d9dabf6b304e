"""Safe adaptation: :class:`AutoAdapter` adapts only when the evidence says
it helps, and otherwise hedges with :class:`AdapterEnsemble` (source-only
averaged with adapters) or keeps the source model. The decision rules are
functions of its cross-validation table (:func:`decide_label_free`,
:func:`decide_with_target_labels`, whose margin :func:`accuracy_margin`
widens with few labels)."""

from ._auto_adapter import AutoAdapter
from ._decision import accuracy_margin, decide_label_free, decide_with_target_labels
from ._ensemble import AdapterEnsemble

__all__ = ["AdapterEnsemble", "AutoAdapter", "accuracy_margin", "decide_label_free",
           "decide_with_target_labels"]
