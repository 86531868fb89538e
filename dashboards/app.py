"""The recsys dashboards (Streamlit): analysts' and operators' pages on the warehouse marts.

Run by ``make dashboards`` (``python -m recsys.local.cli dashboards``) in its own virtual
environment, on 127.0.0.1; every page reads the marts through :mod:`warehouse`.
"""
import streamlit as st

st.set_page_config(page_title="recsys dashboards", layout="wide")

PAGES = {
    "Analysts": [
        st.Page("views/overview.py", title="Overview", default=True),
        st.Page("views/ratings.py", title="Ratings", url_path="ratings"),
        st.Page("views/audience.py", title="Audience by ZIP region", url_path="audience"),
        st.Page("views/genres.py", title="Genres", url_path="genres"),
        st.Page("views/movies.py", title="Movies", url_path="movies"),
    ],
    "Operators": [
        st.Page("views/data_quality.py", title="Data quality", url_path="data-quality"),
        st.Page("views/model.py", title="Model", url_path="model"),
        st.Page("views/published.py", title="Published", url_path="published"),
        st.Page("views/tasks.py", title="Tasks", url_path="tasks"),
    ],
}

st.navigation(PAGES).run()
