"""Small hand-made matrices the model tests share."""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

# users 0-1: F/18-24 like items 0-1; users 2-3: M/25-34 like items 2-3; user 4: M/56+ (alone); user 5: unknown
LIKES = sp.csr_matrix(np.array([
    [1, 1, 0, 0, 0],
    [1, 0, 0, 0, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 1, 0, 0],
    [0, 0, 0, 1, 1],
    [0, 0, 0, 0, 1],
], dtype=np.float32))
USERS = pd.DataFrame({"gender": ["F", "F", "M", "M", "M", None],
                      "age_bucket": ["18-24", "18-24", "25-34", "25-34", "56+", None]})


def block_with_a_gap() -> sp.csr_matrix:
    """Two blocks of 20 users x 10 items: everyone likes their whole block but user 0, who has not seen item 9."""
    block = sp.block_diag([np.ones((20, 10)), np.ones((20, 10))]).tocsr().astype(np.float32)
    block[0, 9] = 0
    block.eliminate_zeros()
    return block
