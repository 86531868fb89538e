"""Train the LightFM hybrid and score with its learned representations."""
from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM

from training.config import ModelParams
from training.features import Features

log = logging.getLogger(__name__)


def train(features: Features, interactions: sp.coo_matrix, params: ModelParams) -> LightFM:
    """Fit a LightFM model on binary ``interactions`` with user and item features, logging each epoch."""
    model = LightFM(no_components=params.no_components, loss=params.loss, learning_rate=params.learning_rate,
                    item_alpha=params.item_alpha, user_alpha=params.user_alpha, max_sampled=params.max_sampled,
                    random_state=np.random.RandomState(params.random_state))
    log.info("training LightFM (%s, %d components) on %d interactions, %d users, %d items",
             params.loss, params.no_components, interactions.nnz, *interactions.shape)
    for epoch in range(1, params.epochs + 1):
        model.fit_partial(interactions, user_features=features.user_features,
                          item_features=features.item_features, epochs=1, num_threads=params.num_threads)
        if epoch % 5 == 0 or epoch == params.epochs:
            log.info("epoch %d/%d", epoch, params.epochs)
    return model


def score_matrix(model: LightFM, features: Features, user_rows: np.ndarray | None = None) -> np.ndarray:
    """Scores (len(user_rows) x n_items) from the learned representations (one matmul)."""
    u_bias, u_emb = model.get_user_representations(features.user_features)
    i_bias, i_emb = model.get_item_representations(features.item_features)
    if user_rows is not None:
        u_bias, u_emb = u_bias[user_rows], u_emb[user_rows]
    return u_emb @ i_emb.T + u_bias[:, None] + i_bias[None, :]
