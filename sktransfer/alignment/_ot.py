"""Optimal transport mapping with entropic and class regularisation (on POT)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.base import OneToOneFeatureMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.fixes import parse_version
from sklearn.utils.multiclass import type_of_target

from .._kernels import available_memory_bytes
from .._per_domain import PerSourceDomainMixin
from .._validation import check_number, check_option
from ..base import AlignmentTransformerMixin, BaseAdapter, map_source_rows

__all__ = ["OTMapping"]

_OWNER = "OTMapping"
_METRICS = ("sqeuclidean", "euclidean", "cityblock", "cosine")
_NORMS = (None, "median", "max")
# Majorisation-minimisation of the l_{1/2}-l_1 group lasso (Courty et al.
# 2017): the exponent p of the concave penalty and the epsilon that keeps its
# gradient finite at zero mass (POT's values).
_LPL1_P = 0.5
_LPL1_EPS = 1e-3
# Largest relative deviation of a row or column mass of the coupling from its
# marginal: above _MARGINAL_WARN a ConvergenceWarning, above _MARGINAL_ERROR
# (or when not finite) a ValueError.
_MARGINAL_WARN = 1e-2
_MARGINAL_ERROR = 1e-1
# n_s x n_t float64 arrays alive at once during a solve (cost, regularised
# and shifted cost, Gibbs kernel, coupling, POT's temporaries), and the
# share of the available memory they may take.
_DENSE_COPIES = 8
_MEMORY_FRACTION = 0.5
# entries of the distance blocks of the out-of-sample nearest-neighbour search
_BLOCK_ENTRIES = 2**22


def _import_pot():
    """The ``ot`` module (POT), or an ``ImportError`` saying how to get it."""
    try:
        import ot
    except ImportError as exc:
        raise ImportError(
            "OTMapping needs the POT library (Python Optimal Transport, "
            "https://pythonot.github.io), which is an optional dependency of "
            "sktransfer: install it with `pip install pot` or `pip install "
            "sktransfer[ot]`."
        ) from exc
    version = getattr(ot, "__version__", "0")
    if parse_version(version) < parse_version("0.9"):
        raise ImportError(
            f"OTMapping needs POT >= 0.9, found version {version}: upgrade it with "
            "`pip install -U pot`."
        )
    return ot


def _marginal_error(G, a, b):
    """Largest relative deviation of a row or column mass of ``G`` from
    ``a`` / ``b`` (``inf`` when ``G`` is not finite)."""
    if not np.all(np.isfinite(G)):
        return np.inf
    rows = np.abs(G.sum(axis=1) / a - 1.0).max()
    cols = np.abs(G.sum(axis=0) / b - 1.0).max()
    return float(max(rows, cols))


class OTMapping(AlignmentTransformerMixin, OneToOneFeatureMixin, PerSourceDomainMixin, BaseAdapter):
    r"""Optimal transport mapping: move the source rows onto the target rows
    along an entropic, optionally class-regularised, transport plan (Courty,
    Flamary, Tuia & Rakotomamonjy, TPAMI 2017).

    With the :math:`n_s` transported source rows :math:`x_i` (with labels
    :math:`y_i` when ``reg_cl > 0``), the :math:`n_t` target rows
    :math:`x_j`, uniform weights :math:`a = \mathbf{1}/n_s`,
    :math:`b = \mathbf{1}/n_t` and the normalised cost
    :math:`M_{ij} = c(x_i, x_j) / s` (``metric``; ``s`` from ``norm``), the
    coupling is

    .. math::

        \gamma = \operatorname*{arg\,min}_{\gamma \ge 0,\ \gamma \mathbf{1}
        = a,\ \gamma^\top \mathbf{1} = b}
        \langle \gamma, M \rangle
        + \lambda_e \sum_{i,j} \gamma_{ij} \log \gamma_{ij}
        + \eta \sum_j \sum_c \Bigl( \sum_{i \in I_c} \gamma_{ij}
        \Bigr)^{1/2},

    :math:`I_c` the source rows of class :math:`c`, :math:`\lambda_e` =
    ``reg_e`` and :math:`\eta` = ``reg_cl``. The last term (the paper's
    :math:`\ell_p`-:math:`\ell_1` group lasso with :math:`p = 1/2`) is
    concave in each group's mass, so it pushes every target row to receive
    its mass from source rows of one class. With :math:`\eta = 0` the
    problem is entropic optimal transport, solved by Sinkhorn's algorithm
    (Cuturi 2013; :func:`ot.sinkhorn`). With :math:`\eta > 0` it is solved
    by majorisation-minimisation as in the paper (and
    :func:`ot.da.sinkhorn_lpl1_mm`): ``max_iter`` Sinkhorn solves on the
    linearised cost

    .. math::

        M + \eta W^{(k)}, \qquad W^{(k)}_{ij} = p \Bigl( \sum_{l \in
        I_{c(i)}} \gamma^{(k)}_{lj} + \varepsilon \Bigr)^{p - 1},
        \qquad p = \tfrac12,\ \varepsilon = 10^{-3},\ W^{(0)} = 0.

    Each transported source row is moved to the barycentre of the target
    rows it sends its mass to,

    .. math::

        \hat x_i = \frac{\sum_j \gamma_{ij} x_j}{\sum_j \gamma_{ij}}
        = n_s \, \gamma_{i} X_t,

    and target rows are left unchanged. The wrapped ``estimator`` is trained
    on the mapped labelled source rows (and on any labelled target rows, as
    they are) and predicts target rows as they are.

    **Source rows unseen at fit** (a ``sample_domain`` marking rows of
    ``transform`` / ``predict`` as source) are moved by the displacement of
    their nearest fitted source row :math:`x_{i^*}` (nearest under
    ``metric``): :math:`x \mapsto x + \hat x_{i^*} - x_{i^*}` (Ferradans et
    al. 2014; POT's ``out_of_sample_map="ferradans"``). A fitted source row
    is its own nearest row, so ``transform(X_fit, sample_domain=fit
    domains)`` returns exactly the rows of ``fit_transform``, except for a
    fitted row repeated with different labels (with ``reg_cl > 0`` its
    copies may move apart; the first copy's move is used), and, with
    ``metric="cosine"``, a fitted row parallel to another one (their
    distance is 0 up to rounding).

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or regressor trained on the mapped rows. ``None`` makes
        OTMapping a pure transformer.
    reg_e : float > 0, default=1.0
        Entropic regularisation :math:`\lambda_e`, in units of the
        normalised cost: with ``norm="median"``, ``reg_e=1`` blurs the plan
        over target rows up to about the median pairwise cost away (the
        mapped source rows are pulled towards the target mean); smaller
        values give a sharper plan and slower Sinkhorn convergence.
    reg_cl : float >= 0 or None, default=0.1
        Class regularisation :math:`\eta`. ``0`` or ``None``: plain entropic
        transport (no labels used). ``> 0`` needs class labels on at least 2
        source rows, so it is an error with a regressor or a continuous
        ``y`` (use ``reg_cl=0``).
    norm : {"median", "max"} or None, default="median"
        The cost is divided by its median or its maximum over all source /
        target pairs (POT's ``cost_normalization``), so that ``reg_e`` and
        ``reg_cl`` do not depend on the scale of ``X``; ``None`` leaves it
        as it is.
    metric : {"sqeuclidean", "euclidean", "cityblock", "cosine"}, default="sqeuclidean"
        Ground cost :math:`c` (:func:`ot.dist`), also the distance of the
        out-of-sample nearest-neighbour search.
    max_iter : int >= 1, default=10
        Majorisation-minimisation steps with ``reg_cl > 0`` (Sinkhorn
        solves; the first is plain entropic transport). Unused with
        ``reg_cl = 0``.
    max_inner_iter : int >= 1, default=1000
        Sinkhorn iterations of each solve.
    tol : float > 0, default=1e-8
        Sinkhorn's stopping threshold: the Euclidean norm of the deviation
        of the column masses from :math:`b` (POT's ``stopThr``).

    source_handling : {"pool", "per_domain"}, default="pool"
        With several source domains (positive ``sample_domain`` ids),
        ``"pool"`` treats them as one source (the paper's method) and
        ``"per_domain"`` transports each on its own to the target.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator`` (absent when ``estimator=None``).
    coupling_ : ndarray of shape (n_transported, n_target)
        The coupling :math:`\gamma`. Its rows are the transported source
        rows of the fit ``X`` in their order (all source rows with
        ``reg_cl = 0``, the labelled source rows with ``reg_cl > 0``), its
        columns the target rows in their order.
    cost_scale_ : float
        The value ``s`` the cost was divided by (``1.0`` with
        ``norm=None``).
    solver_ : str
        The Sinkhorn variant of :func:`ot.sinkhorn` used: ``"sinkhorn"``,
        or ``"sinkhorn_log"`` when that failed numerically (see Notes).
    marginal_error_ : float
        Largest relative deviation of a row or column mass of
        ``coupling_`` from its uniform marginal.
    n_iter_ : int
        Sinkhorn solves run: ``max_iter`` with ``reg_cl > 0`` (the
        majorisation-minimisation has no other stopping rule), else 1.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    domain_adapters_ : dict of int to OTMapping
        With ``source_handling="per_domain"``: each source domain's fitted
        adaptation (no estimator); its fitted attributes replace the ones
        above, which are then absent.
    source_domains_ : ndarray of int
        The source domain ids of ``domain_adapters_``.

    Notes
    -----
    **Unlabelled source rows.** The class regulariser groups the source
    rows by label, so with ``reg_cl > 0`` only the labelled source rows are
    transported; an unlabelled source row is moved by the out-of-sample
    rule above (the displacement of its nearest labelled source row). POT
    would treat the label ``-1`` of such rows as one more class. With
    ``reg_cl = 0`` every source row is transported and labels are not used.

    **Weights.** The marginals :math:`a`, :math:`b` are uniform.
    ``sample_weight`` (a fit parameter) only weights the training of the
    wrapped estimator.

    **Numerics.** The row minima and then the column minima of the cost
    are subtracted before each Sinkhorn solve: the optimal coupling is the
    same (the marginals are fixed), but no row or column of
    :math:`\exp(-M / \lambda_e)` underflows to zero, which lets the plain
    Sinkhorn iterations (``"sinkhorn"``) work down to a small ``reg_e``
    (about ``1e-3`` with ``norm="median"``). The iterates differ from
    POT's only by their starting point, so at convergence the coupling is
    POT's. When the plain iterations still break down (their scalings
    overflow: POT stops them early, or the coupling is not finite), the
    solve is redone in the log domain (``"sinkhorn_log"``, stable but about
    25 times slower). The final coupling is checked: a ``ValueError``
    (increase ``reg_e``, lower ``reg_cl``, or raise ``max_inner_iter``) when
    it is not finite or a row or column mass is more than 10% off its
    marginal, a ``ConvergenceWarning`` (raise ``max_inner_iter``) above 1%.
    POT's own warnings are replaced by these. A small ``reg_e`` with a
    large ``reg_cl`` converges slowly (the warning is then common).

    **Cost.** The cost and the coupling are dense ``n_s x n_t`` arrays
    (checked against the available memory before fitting; subsample the
    rows when they do not fit): :math:`O(n_s n_t)` memory, and
    :math:`O(n_s n_t d)` time for the cost plus :math:`O(n_s n_t)` per
    Sinkhorn iteration, up to ``max_inner_iter`` (times ``max_iter`` with
    ``reg_cl > 0``). Mapping unseen source rows costs :math:`O(n_s d)` per
    row.

    **Deviations from the paper.** The cost normalisation (``norm``) and
    :math:`\varepsilon = 10^{-3}` are POT's choices (the paper's MM step
    needs some :math:`\varepsilon`). The paper's method is transductive;
    the out-of-sample rule is Ferradans et al.'s as POT implements it,
    except that the nearest fitted row is found under ``metric`` (POT always
    uses the squared Euclidean distance). The semi-supervised variant (an
    infinite cost between labelled source and target rows of different
    classes; POT's ``limit_max``) is not implemented: labelled target rows
    are transported as unlabelled ones and trained on as they are.
    Unlabelled source rows are handled as said above. Several source (or
    target) domains are pooled into one. The group penalty's MM updates are
    computed from the ``n_t x C`` class masses, without POT's
    ``n_t x n_s x C`` intermediate array.

    References
    ----------
    N. Courty, R. Flamary, D. Tuia, A. Rakotomamonjy. Optimal Transport for
    Domain Adaptation. IEEE Transactions on Pattern Analysis and Machine
    Intelligence 39(9):1853-1865, 2017.

    M. Cuturi. Sinkhorn Distances: Lightspeed Computation of Optimal
    Transport. NeurIPS 2013.

    S. Ferradans, N. Papadakis, G. Peyre, J.-F. Aujol. Regularized Discrete
    Optimal Transport. SIAM Journal on Imaging Sciences 7(3), 2014.

    R. Flamary et al. POT: Python Optimal Transport. Journal of Machine
    Learning Research 22(78):1-8, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.alignment._ot import OTMapping
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(100, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.normal(size=(80, 2)) + [3.0, 1.0]
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(80, dtype=int)]
    >>> model = OTMapping(LogisticRegression(), reg_e=0.1).fit(X, y)
    >>> model.predict(Xt).shape
    (80,)
    >>> model.coupling_.shape
    (100, 80)
    """

    _requires_estimator = False

    def __init__(self, estimator=None, *, reg_e=1.0, reg_cl=0.1, norm="median",
                 metric="sqeuclidean", max_iter=10, max_inner_iter=1000, tol=1e-8,
                 source_handling="pool"):
        self.estimator = estimator
        self.reg_e = reg_e
        self.reg_cl = reg_cl
        self.norm = norm
        self.metric = metric
        self.max_iter = max_iter
        self.max_inner_iter = max_inner_iter
        self.tol = tol
        self.source_handling = source_handling

    # ------------------------------------------------------------- checks
    def _class_regularised(self):
        return self.reg_cl is not None and self.reg_cl > 0

    def _transported(self, data):
        """Rows of ``data.X`` that enter the coupling."""
        if self._class_regularised():
            return data.is_source & data.labelled
        return data.is_source

    def _check_adapter(self, data):
        check_number(self.reg_e, "reg_e", owner=_OWNER, low=0, low_inclusive=False)
        check_number(self.reg_cl, "reg_cl", owner=_OWNER, low=0, allow_none=True)
        check_option(self.norm, "norm", _NORMS, owner=_OWNER)
        check_option(self.metric, "metric", _METRICS, owner=_OWNER)
        check_number(self.max_iter, "max_iter", owner=_OWNER, integer=True, low=1)
        check_number(self.max_inner_iter, "max_inner_iter", owner=_OWNER,
                     integer=True, low=1)
        check_number(self.tol, "tol", owner=_OWNER, low=0, low_inclusive=False)
        n_t = int(data.is_target.sum())
        if self._class_regularised():
            if self._task() == "regression":
                raise ValueError(
                    f"{_OWNER}: reg_cl={self.reg_cl!r} groups the source rows by "
                    "class, but the estimator is a regressor; use reg_cl=0 (plain "
                    "entropic transport) for regression."
                )
            rows = data.is_source & data.labelled
            if data.y is None or rows.sum() < 2:
                got = 0 if data.y is None else int(rows.sum())
                raise ValueError(
                    f"{_OWNER}: reg_cl={self.reg_cl!r} needs class labels on at "
                    f"least 2 source rows, got {got} labelled source row(s); pass "
                    "y with the source labels, or use reg_cl=0 (plain entropic "
                    "transport, no labels needed)."
                )
            if type_of_target(data.y[rows]) == "continuous":
                raise ValueError(
                    f"{_OWNER}: reg_cl={self.reg_cl!r} groups the source rows by "
                    "class, but y is continuous (a regression target); use "
                    "reg_cl=0 for regression."
                )
            n_s = int(rows.sum())
        else:
            n_s = int(data.is_source.sum())
            if n_s < 2:
                raise ValueError(
                    f"{_OWNER} needs at least 2 source rows to transport, got {n_s}."
                )
        if n_t < 2:
            raise ValueError(
                f"{_OWNER} needs at least 2 target rows to transport onto, got {n_t}."
            )
        need = float(_DENSE_COPIES) * n_s * n_t * 8
        avail = available_memory_bytes()
        if avail is not None and need > _MEMORY_FRACTION * avail:
            raise ValueError(
                f"{_OWNER} would build dense {n_s} x {n_t} cost and coupling "
                f"matrices (about {need / 2**30:.1f} GiB in all) but only "
                f"{avail / 2**30:.1f} GiB of memory is available; subsample the "
                "source and target rows."
            )
        _import_pot()  # before any heavy work

    # ---------------------------------------------------------------- fit
    def _cost(self, ot, Xs, Xt):
        with np.errstate(all="ignore"):
            M = np.asarray(ot.dist(Xs, Xt, metric=self.metric), dtype=np.float64)
        if not np.all(np.isfinite(M)):
            raise ValueError(
                f"{_OWNER}: the {self.metric} cost between source and target rows "
                "is not finite (with metric='cosine', a row of zeros has no "
                "direction); remove such rows or use another metric."
            )
        scale = 1.0
        if self.norm == "median":
            scale = float(np.median(M))
            if scale <= 0:
                raise ValueError(
                    f"{_OWNER}: the median of the source-target costs is 0 (at "
                    "least half of the source-target pairs coincide), so "
                    "norm='median' cannot normalise it; use norm='max' or None."
                )
        elif self.norm == "max":
            scale = float(M.max()) or 1.0  # all costs 0: nothing to normalise
        return (M / scale if scale != 1.0 else M), scale

    def _sinkhorn(self, ot, a, b, M):
        """One entropic solve on cost ``M``, redone in the log domain when
        the plain iterations break down numerically (``self.solver_``
        records the variant, which the later solves of a fit keep)."""
        M = M - M.min(axis=1, keepdims=True)
        M -= M.min(axis=0, keepdims=True)
        while True:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                G, log = ot.sinkhorn(a, b, M, float(self.reg_e), method=self.solver_,
                                     numItermax=self.max_inner_iter,
                                     stopThr=float(self.tol), log=True)
            G = np.asarray(G, dtype=np.float64)
            if self.solver_ == "sinkhorn_log":
                return G
            # POT stops the plain iterations early, keeping the previous
            # scalings, when they overflow: stopped before max_inner_iter
            # without reaching tol
            errs = log.get("err", [])
            converged = len(errs) > 0 and float(errs[-1]) < self.tol
            niter = int(log.get("niter", self.max_inner_iter))
            stopped = niter < self.max_inner_iter - 1
            if np.all(np.isfinite(G)) and (converged or not stopped):
                return G
            self.solver_ = "sinkhorn_log"

    def _fit_adapter(self, data, fit_params):
        ot = _import_pot()
        rows = self._transported(data)
        Xs, Xt = data.X[rows], data.X[data.is_target]
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        a = np.full(n_s, 1.0 / n_s)
        b = np.full(n_t, 1.0 / n_t)
        M, self.cost_scale_ = self._cost(ot, Xs, Xt)
        self.solver_ = "sinkhorn"
        if self._class_regularised():
            _, groups = np.unique(data.y[rows], return_inverse=True)
            groups = groups.ravel()
            onehot = np.zeros((n_s, groups.max() + 1))
            onehot[np.arange(n_s), groups] = 1.0
            eta = float(self.reg_cl)
            G = self._sinkhorn(ot, a, b, M)
            self.n_iter_ = self.max_iter
            for _ in range(self.max_iter - 1):
                mass = G.T @ onehot                   # n_t x C class masses
                W = _LPL1_P * (mass[:, groups].T + _LPL1_EPS) ** (_LPL1_P - 1)
                G = self._sinkhorn(ot, a, b, M + eta * W)
        else:
            G = self._sinkhorn(ot, a, b, M)
            self.n_iter_ = 1
        self.marginal_error_ = err = _marginal_error(G, a, b)
        if not err <= _MARGINAL_ERROR:
            what = ("is not finite" if not np.isfinite(err) else
                    f"misses its marginals by up to {100 * err:.0f}%")
            raise ValueError(
                f"{_OWNER}: Sinkhorn did not converge or failed numerically: the "
                f"coupling {what} with reg_e={self.reg_e!r}, reg_cl="
                f"{self.reg_cl!r}, max_inner_iter={self.max_inner_iter!r}. "
                "Increase reg_e, lower reg_cl, or raise max_inner_iter."
            )
        if err > _MARGINAL_WARN:
            warnings.warn(
                f"{_OWNER}: Sinkhorn did not converge: a row or column mass of the "
                f"coupling is {100 * err:.1f}% off its marginal. Increase "
                "max_inner_iter, or reg_e.",
                ConvergenceWarning,
            )
        self.coupling_ = G
        self._source_fit = Xs
        self._source_mapped = (G / G.sum(axis=1, keepdims=True)) @ Xt
        out = np.array(data.X, dtype=np.float64, copy=True)
        out[rows] = self._source_mapped
        rest = data.is_source & ~rows
        if rest.any():
            out[rest] = self._out_of_sample(data.X[rest])
        return out

    # ---------------------------------------------------------- transform
    def _nearest(self, X):
        """Index of the nearest fitted source row of every row of ``X``."""
        ref = self._source_fit
        # same argmin as "euclidean"; computed as a sum of squared differences,
        # so that a fitted row is at distance exactly 0 from itself
        metric = "sqeuclidean" if self.metric == "euclidean" else self.metric
        step = max(1, _BLOCK_ENTRIES // max(ref.shape[0], 1))
        idx = np.empty(X.shape[0], dtype=np.intp)
        for start in range(0, X.shape[0], step):
            block = cdist(X[start:start + step], ref, metric=metric)
            idx[start:start + step] = np.argmin(block, axis=1)
        return idx

    def _out_of_sample(self, X):
        nn = self._nearest(X)
        return self._source_mapped[nn] + (X - self._source_fit[nn])

    def _adapt(self, X, sample_domain):
        return map_source_rows(X, sample_domain, self._out_of_sample)
