"""The sign-up page: a few answers and ratings in a plain HTML form, recommendations back.

Server-rendered HTML and a form POST, no JavaScript and nothing from a CDN, so it works
wherever the API does. Every value shown is HTML-escaped.
"""
from __future__ import annotations

from html import escape

N_TO_RATE = 12  # popular movies offered for rating

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
fieldset { border: 1px solid #ccc; border-radius: 6px; margin-bottom: 1rem; }
label { display: inline-block; min-width: 9rem; margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; } td, th { padding: .3rem .5rem; border-bottom: 1px solid #eee; }
.reason { color: #666; font-size: .9em; } .error { color: #a00; } button { font-size: 1rem; padding: .4rem 1rem; }
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


def _select(name: str, values: list[str], labels: list[str] | None = None, blank: str = "rather not say") -> str:
    options = "".join(f"<option value='{escape(v)}'>{escape(label)}</option>"
                      for v, label in zip(values, labels or values))
    return f"<select name='{escape(name)}' id='{escape(name)}'><option value=''>{escape(blank)}</option>{options}</select>"


def signup_form(vocabulary: dict[str, list[str]], popular: list[dict], errors: list[str] = ()) -> str:
    """The form: demographic answers (all optional) and 1-5 stars for some popular movies."""
    problems = "".join(f"<p class='error'>{escape(str(e))}</p>" for e in errors)
    stars = [str(s) for s in range(1, 6)]
    rows = "".join(
        f"<tr><td>{escape(m['title'])}</td><td>{escape(', '.join(m.get('genres') or []))}</td>"
        f"<td>{_select('rating_%d' % int(m['movie_id']), stars, [s + ' stars' for s in stars], 'not seen')}</td></tr>"
        for m in popular[:N_TO_RATE])
    return _page("Movies and books for you", f"""
{problems}
<form method="post" action="/">
<fieldset><legend>About you (every answer is optional)</legend>
<label for="gender">Gender</label>{_select("gender", ["F", "M"], ["female", "male"])}<br>
<label for="age">Age</label><input type="number" name="age" id="age" min="5" max="100"><br>
<label for="occupation">Occupation</label>{_select("occupation", vocabulary.get("occupation", []))}<br>
<label for="zip">US ZIP code</label><input type="text" name="zip" id="zip" size="10" pattern="[0-9]{{5}}">
</fieldset>
<fieldset><legend>Rate a few movies you have seen</legend>
<table><tr><th>movie</th><th>genres</th><th>your rating</th></tr>{rows}</table>
</fieldset>
<button type="submit">Recommend</button>
</form>""")


def results(answer: dict) -> str:
    """The recommendations of one new user, with the reason for each."""
    how = ("from the movies you liked" if answer["path"] == "fold_in"
           else "from people who answered like you" + (" (what you skipped is left out)"
                                                        if None in answer["segment"].values() else ""))

    def items(listed: list[dict], extra: str) -> str:
        return "".join(f"<li><strong>{escape(str(i['title']))}</strong>{extra.format(**i) if extra else ''} "
                       f"<span class='reason'>{escape(i['reason'])}</span></li>" for i in listed)

    movies = items([{**m, "genres": escape(", ".join(m["genres"]))} for m in answer["movies"]], " ({genres})")
    books = items([{**b, "authors": escape(str(b.get("authors") or ""))} for b in answer["books"]], " by {authors}")
    return _page("Movies and books for you", f"""
<p id="how">Chosen {escape(how)}, by model run {escape(answer['model_run_id'])}.</p>
<h2>Movies</h2><ol id="movies">{movies}</ol>
<h2>Books</h2><ol id="books">{books}</ol>
<p><a href="/">Start again</a></p>""")
