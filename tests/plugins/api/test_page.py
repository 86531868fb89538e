"""The sign-up page in a real browser (Debian's chromium through Playwright) against the app served by
uvicorn on loopback; a screenshot of each step is kept in .state/test/artifacts/."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

pytestmark = pytest.mark.integration


@pytest.fixture
def page_url(published):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(published.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


def test_a_new_user_answers_rates_two_movies_and_gets_movies_and_books_with_reasons(page_url, browser, published):
    artifacts = published.settings.state_dir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.goto(page_url)
    assert page.title() == "Movies and books for you"
    assert page.locator("select[name^=rating_]").count() == 12, "twelve popular movies to rate"
    page.select_option("#gender", "F")
    page.fill("#age", "29")
    page.select_option("#occupation", "writer")
    page.select_option("#rating_2", "5")  # movies 1-10 go together in the run's weights
    page.select_option("#rating_5", "4")
    page.screenshot(path=str(artifacts / "signup_form.png"), full_page=True)
    page.click("button[type=submit]")

    assert "from the movies you liked" in page.inner_text("#how")
    movies = page.locator("#movies li").all_inner_texts()
    assert len(movies) == 10 and not any(m.startswith(("Movie 2 ", "Movie 5 ")) for m in movies), "never rated ones"
    # first what the liked movies point to, then the rest of the list from their segment (F|25-34|writer)
    assert {m.split(" (")[0] for m in movies[:8]} == {f"Movie {i}" for i in (1, 3, 4, 6, 7, 8, 9, 10)}
    assert all("similar to the movies you liked" in m for m in movies[:8])
    assert [m.split(" (")[0] for m in movies[8:]] == ["Movie 11", "Movie 12"]
    assert all("popular with people like you" in m for m in movies[8:])
    books = page.locator("#books li").all_inner_texts()
    assert len(books) == 5 and all("because you are recommended" in b for b in books)
    page.screenshot(path=str(artifacts / "signup_results.png"), full_page=True)
    stored = published.s3.list_objects_v2(Bucket=published.settings.lake_bucket, Prefix="feedback/")["Contents"]
    assert len(stored) == 1, "the answers and ratings are kept for the next run"


def test_answers_only_are_served_their_segment_and_a_bad_answer_is_shown_on_the_form(page_url, browser):
    page = browser.new_page()
    page.goto(page_url)
    page.select_option("#gender", "F")
    page.click("button[type=submit]")
    assert "from people who answered like you (what you skipped is left out)" in page.inner_text("#how")
    assert page.locator("#movies li").first.inner_text().startswith("Movie 12 ")  # the F|*|* list
    page.goto(page_url)
    page.eval_on_selector("#age", "e => e.removeAttribute('max')")  # past the browser's own check
    page.fill("#age", "200")
    page.click("button[type=submit]")
    assert "less than or equal to 100" in page.inner_text(".error") and page.locator("form").count() == 1
