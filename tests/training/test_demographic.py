"""Models of new users: segment popularity with backoff, and naive Bayes over the answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from tests.training.toy_data import LIKES, USERS
from training.baselines import segment_counts, segment_popularity_scores
from training.candidates import GlobalPopularity
from training.demographic import DemographicNaiveBayes, SegmentPopularity


def test_segment_popularity_uses_the_finest_segment_with_enough_positives():
    counts = segment_counts(LIKES, USERS, [["gender", "age_bucket"], ["gender"]], min_positives=3)
    scores = segment_popularity_scores(counts, USERS)
    assert np.argmax(scores[0]) == 0 and scores[0, 2] < scores[0, 1]  # own segment: items 0 and 1
    assert np.argmax(scores[2]) == 2  # M/25-34 has 3 positives: its own counts
    # M/56+ has only 2 positives: backs off to all men (items 2, 3 and 4)
    assert set(np.argsort(-scores[4])[:3]) == {2, 3, 4}
    # no demographics: global popularity
    assert np.array_equal(np.argsort(-scores[5], kind="stable"),
                          np.argsort(-GlobalPopularity().fit(LIKES).score([0])[0], kind="stable"))


def test_segment_popularity_scores_known_rows_and_new_people_alike():
    model = SegmentPopularity(USERS, [["gender", "age_bucket"], ["gender"]]).fit(LIKES)
    assert np.array_equal(model.score(np.array([3, 0])), model.score_new(USERS.iloc[[3, 0]]))
    new_women = pd.DataFrame({"gender": ["F"], "age_bucket": ["18-24"]})
    assert np.array_equal(model.score_new(new_women)[0], model.score(np.array([0]))[0])


def test_naive_bayes_combines_every_useful_answer_and_scores_partial_answers():
    rng = np.random.default_rng(0)
    n = 400
    users = pd.DataFrame({"gender": rng.choice(["F", "M"], n), "age_bucket": rng.choice(["18-24", "45-49"], n),
                          "occupation": rng.choice(["a", "b", "c", "d"], n)})
    # women like items 0-4, men 5-9; the young 10-14, the old 15-19; occupation carries nothing
    likes = np.zeros((n, 20), dtype=np.float32)
    for i, u in users.iterrows():
        likes[i, rng.choice(np.arange(5) + (0 if u.gender == "F" else 5), 3, replace=False)] = 1
        likes[i, rng.choice(np.arange(5) + (10 if u.age_bucket == "18-24" else 15), 3, replace=False)] = 1
    model = DemographicNaiveBayes(users, columns=("gender", "age_bucket", "occupation")).fit(sp.csr_matrix(likes))
    assert sorted(model.columns) == ["age_bucket", "gender"]  # occupation only adds noise: left out
    recorded = model.tune(None, None, None)  # what the run's report shows as the settings chosen
    assert sorted(recorded["attributes"].split("+")) == ["age_bucket", "gender"] and recorded["alpha"] == model.alpha
    young_woman = model.score_new(pd.DataFrame({"gender": ["F"], "age_bucket": ["18-24"], "occupation": ["a"]}))[0]
    assert set(np.argsort(-young_woman)[:10]) == set(range(5)) | set(range(10, 15))
    gender_only = model.score_new(pd.DataFrame({"gender": ["M"], "age_bucket": [None]}))[0]
    assert set(np.argsort(-gender_only)[:5]) == set(range(5, 10))
    unknown = model.score_new(pd.DataFrame({"gender": ["X"]}))[0]  # a value nobody had: popularity only
    assert np.allclose(unknown, np.log1p(likes.sum(axis=0)))
