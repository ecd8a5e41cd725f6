"""Model-based meta-features: properties of a decision tree fitted to the data
(pymfe ``model-based`` group, same learner: ``DecisionTreeClassifier(random_state)``
on the numeric view ``N``, missing cells median-imputed)."""
from __future__ import annotations

from concurrent.futures import Executor

import numpy as np

from ._tree import fit_tree
from ._validation import TaskData

GROUP = "model-based"

FEATURES: dict[str, tuple[str, bool]] = {
    "leaves": ("Number of leaves of the decision tree.", True),
    "leaves_branch": ("Depth of each leaf (branch length).", True),
    "leaves_corrob": ("Fraction of training instances reaching each leaf.", True),
    "leaves_homo": ("Number of leaves divided by each leaf's tree-shape term.", True),
    "leaves_per_class": ("Fraction of leaves predicting each class.", True),
    "nodes": ("Number of internal (split) nodes.", True),
    "nodes_per_attr": ("Internal nodes per attribute.", True),
    "nodes_per_inst": ("Internal nodes per instance.", True),
    "nodes_per_level": ("Number of internal nodes at each depth.", True),
    "nodes_repeated": ("Number of internal nodes using each attribute that is used.", True),
    "tree_depth": ("Depth of every node.", True),
    "tree_imbalance": ("Imbalance term of each distinct leaf depth.", True),
    "tree_shape": ("-p log2 p of the random-walk arrival probability of each leaf.", True),
    "var_importance": ("Gini importance of each attribute.", True),
}
SCALAR_FEATURES = {"leaves", "nodes", "nodes_per_attr", "nodes_per_inst"}


def node_depths(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Depth of every node, computed level by level (vectorised over each level)."""
    depth = np.zeros(left.size, dtype=int)
    frontier = np.array([0])
    d = 0
    while frontier.size:
        depth[frontier] = d
        kids = np.concatenate([left[frontier], right[frontier]])
        frontier = kids[kids >= 0]
        d += 1
    return depth


_TREE_KEY = "model-based.tree"




def prefetch(data: TaskData, executor: Executor) -> None:
    """Start fitting the tree on ``executor`` (it releases the GIL while it builds), so it
    overlaps the other groups; ``compute`` collects it."""
    if data.is_classif and data.N.shape[1] > 0:
        # N_imputed (finite by construction) is computed here, in the calling thread
        data.shared[_TREE_KEY] = executor.submit(fit_tree, data.N_imputed, data.y, data.random_state)


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Fit the tree and compute its features (classification only)."""
    if not data.is_classif or data.N.shape[1] == 0:
        return {}
    pending = data.shared.pop(_TREE_KEY, None)
    tree = (pending.result() if pending is not None
            else fit_tree(data.N_imputed, data.y, data.random_state))
    leaf = tree.feature < 0
    depth = node_depths(tree.children_left, tree.children_right)
    n_leaves = float(tree.n_leaves)
    leaf_depth = depth[leaf]
    prob = np.power(2.0, -leaf_depth)
    shape = -prob * np.log2(prob)
    leaf_class = np.zeros(tree.node_count, dtype=int)
    leaf_class[leaf] = np.argmax(tree.value[leaf], axis=2).ravel() + 1
    _, class_counts = np.unique(leaf_class, return_counts=True)
    uniq_prob, uniq_cnt = np.unique(prob, return_counts=True)
    aux = np.power(2.0, -uniq_prob * uniq_cnt)
    nodes = float(tree.node_count - tree.n_leaves)
    return {
        "leaves": n_leaves,
        "leaves_branch": leaf_depth.astype(float),
        "leaves_corrob": tree.n_node_samples[leaf] / tree.n_node_samples[0],
        "tree_shape": shape,
        "leaves_homo": n_leaves / shape,
        "leaves_per_class": class_counts[1:] / n_leaves,
        "nodes": nodes,
        "nodes_per_attr": nodes / tree.n_features,
        "nodes_per_inst": nodes / tree.n_node_samples[0],
        "nodes_per_level": np.unique(depth[~leaf], return_counts=True)[1].astype(float),
        "nodes_repeated": np.unique(tree.feature[~leaf], return_counts=True)[1].astype(float),
        "tree_depth": depth.astype(float),
        "tree_imbalance": -aux * np.log2(aux),
        "var_importance": tree.compute_feature_importances(),
    }
