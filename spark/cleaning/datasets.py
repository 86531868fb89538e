"""The catalogue of source datasets: where each comes from and which format it has.

Plain Python (no pyspark): the ingest stage uses it to download and verify, the
Spark job to pick the parser, both locally and on Glue.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MOVIES, BOOKS = "movies", "books"
CHANGES_FORMAT = "dms"  # change files as AWS DMS writes them (spark.cleaning.changes)
APP_DB = "app-db"  # the application's operational database
_GROUPLENS = "https://files.grouplens.org/datasets/movielens"
_GOODBOOKS = "https://raw.githubusercontent.com/zygmuntz/goodbooks-10k/6dd165b555a7b47b2dd36743a425776e641ff50c"


@dataclass(frozen=True)
class RatingScale:
    """Allowed ratings: ``low`` to ``high`` in steps of ``step``."""

    low: float
    high: float
    step: float

    def describe(self) -> str:
        return f"{self.low:g}-{self.high:g} in steps of {self.step:g}"


@dataclass(frozen=True)
class DatasetSpec:
    """One source dataset.

    ``files`` are glob patterns inside the dataset folder; each must match at least
    one file. A download is either one ``archive`` (zip, files under
    ``archive_root``) with an ``md5`` (pinned, or published at ``md5_url``) or
    loose ``file_urls`` with pinned sha256 digests.
    """

    name: str
    domain: str
    format: str
    files: tuple[str, ...]
    description: str
    archive_url: str | None = None
    archive_root: str = ""
    md5: str | None = None
    md5_url: str | None = None
    file_urls: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (url, sha256)
    has_demographics: bool = False
    rating_scale: RatingScale = RatingScale(1, 5, 1)
    encoding: str = "UTF-8"
    first_day: str = "1995-01-01"  # ratings dated earlier are implausible for this source (quarantined)
    sample_folder: str | None = None  # the bundled generator's folder for this dataset, if it is the sample


DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (
    DatasetSpec(
        "sample-movielens", MOVIES, "ml-1m", ("users.dat", "movies.dat", "ratings.dat"),
        "bundled synthetic sample in the MovieLens-1M format", has_demographics=True, encoding="ISO-8859-1",
        sample_folder="movielens"),
    DatasetSpec(
        "ml-100k", MOVIES, "ml-100k", ("u.data", "u.user", "u.item"),
        "MovieLens 100K: 100,000 ratings, 943 users with exact age, 1,682 movies with 19 genre flags",
        archive_url=f"{_GROUPLENS}/ml-100k.zip", archive_root="ml-100k/", md5="0e33842e24a9c977be4e0107933c0723",
        has_demographics=True, encoding="ISO-8859-1"),
    DatasetSpec(
        "ml-1m", MOVIES, "ml-1m", ("users.dat", "movies.dat", "ratings.dat"),
        "MovieLens 1M: '::'-separated, bucketed ages, occupation codes",
        archive_url=f"{_GROUPLENS}/ml-1m.zip", archive_root="ml-1m/", md5="c4d9eecfca2ab87c1945afe126590906",
        has_demographics=True, encoding="ISO-8859-1"),
    DatasetSpec(
        "ml-latest-small", MOVIES, "ml-latest", ("ratings.csv", "movies.csv"),
        "MovieLens latest (small): half-star ratings, no demographics; updated by GroupLens over time",
        archive_url=f"{_GROUPLENS}/ml-latest-small.zip", archive_root="ml-latest-small/",
        md5_url=f"{_GROUPLENS}/ml-latest-small.zip.md5", rating_scale=RatingScale(0.5, 5, 0.5)),
    DatasetSpec(
        "ml-latest", MOVIES, "ml-latest", ("ratings.csv", "movies.csv"),
        "MovieLens latest (full): half-star ratings, no demographics; updated by GroupLens over time",
        archive_url=f"{_GROUPLENS}/ml-latest.zip", archive_root="ml-latest/",
        md5_url=f"{_GROUPLENS}/ml-latest.zip.md5", rating_scale=RatingScale(0.5, 5, 0.5)),
    DatasetSpec(
        "ml-25m", MOVIES, "ml-latest", ("ratings.csv", "movies.csv"),
        "MovieLens 25M: the ml-latest CSV format, frozen in 2019",
        archive_url=f"{_GROUPLENS}/ml-25m.zip", archive_root="ml-25m/", md5="6b51fb2759a8657d3bfcbfc42b592ada",
        rating_scale=RatingScale(0.5, 5, 0.5)),
    DatasetSpec(
        "netflix", MOVIES, "netflix", ("movie_titles.csv", "combined_data_*.txt"),
        "Netflix Prize (Kaggle layout): 'movie_id:' blocks of 'user,rating,date'; no public download, "
        "give a path or URI", encoding="ISO-8859-1", first_day="1998-10-01"),
    DatasetSpec(
        APP_DB, MOVIES, CHANGES_FORMAT, ("app/users/*.csv", "app/movies/*.csv", "app/feedback/*.csv"),
        "the application's operational database (users, movies, feedback events): a full load, then each "
        "day's changes in the AWS DMS format, merged onto the day before", has_demographics=True),
    DatasetSpec(
        "sample-goodbooks", BOOKS, "goodbooks", ("books.csv", "tags.csv", "book_tags.csv"),
        "bundled synthetic sample in the goodbooks-10k format", sample_folder="goodbooks"),
    DatasetSpec(
        "goodbooks-10k", BOOKS, "goodbooks", ("books.csv", "tags.csv", "book_tags.csv"),
        "goodbooks-10k: 10,000 books; genres from user shelves",
        file_urls={
            "books.csv": (f"{_GOODBOOKS}/books.csv",
                          "4d21d0e0433128657c752e3a3d0405ac0ec11675d6c70c64cb0abf4ab1acb76a"),
            "tags.csv": (f"{_GOODBOOKS}/tags.csv",
                         "87f316957564fa21c316a4f50afc87f07906f478f990eec027aaca00c536c449"),
            "book_tags.csv": (f"{_GOODBOOKS}/book_tags.csv",
                              "8ff2f0659be9ddbe10bf47ba33b5b69024f893f017ac665236f15bc97d862950"),
        }),
    DatasetSpec(
        "goodreads-21st-century", BOOKS, "goodreads-list", ("*.csv",),
        "a Goodreads list export such as 'best books of the 21st century': one CSV with title, author "
        "and a comma-separated genre list; no public download, give a path or URI"),
)}

MOVIE_DATASETS = tuple(name for name, spec in DATASETS.items() if spec.domain == MOVIES)
BOOK_DATASETS = tuple(name for name, spec in DATASETS.items() if spec.domain == BOOKS)


def get_dataset(name: str, domain: str | None = None) -> DatasetSpec:
    """The spec called ``name``; a clear error lists the choices when there is none."""
    choices = MOVIE_DATASETS if domain == MOVIES else BOOK_DATASETS if domain == BOOKS else tuple(DATASETS)
    if name not in choices:
        raise KeyError(f"unknown {domain or ''} dataset {name!r}; choose one of {', '.join(choices)}")
    return DATASETS[name]
