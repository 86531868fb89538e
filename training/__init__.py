"""The recommender as a pure library (numpy, scipy, pandas, lightfm, implicit; no Airflow, no
storage, no Spark): build features, split, fit the candidate models, evaluate them on two
protocols, gate, score movies and cross-domain books, and report."""
