"""The recommender: build features from the training marts, split, train LightFM,
evaluate against a popularity baseline, score movies and cross-domain books."""
