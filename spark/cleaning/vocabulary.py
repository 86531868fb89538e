"""Vocabularies of the sources: shared by the cleaning job, the sample generator and the tests.

Plain Python (no pyspark) so it ships to Glue with the job and imports anywhere.
"""
from __future__ import annotations

# Canonical movie genres: the MovieLens 1M list in its documented order, plus IMAX (ml-latest).
MOVIE_GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western", "IMAX",
)

# Other spellings of a canonical genre (keys lower-case).
MOVIE_GENRE_ALIASES = {"children": "Children's", "childrens": "Children's", "science fiction": "Sci-Fi",
                       "sci fi": "Sci-Fi", "film noir": "Film-Noir", "noir": "Film-Noir"}

# Genre values that mean "no genre" (lower-case).
NO_GENRE = ("", "unknown", "(no genres listed)")

# The 19 genre flag columns at the end of an ML-100K u.item line (u.genre order).
ML100K_GENRE_FLAGS = ("unknown",) + MOVIE_GENRES[:18]

# A US ZIP code (or ZIP+4); its first digit is the national area (zip_region), anything else is "other".
US_ZIP = r"^\d{5}(-\d{4})?$"

# MovieLens 1M age codes -> bucket labels (README of ml-1m).
AGE_BUCKETS = {1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+"}

# MovieLens 100K occupations (u.occupation).
ML100K_OCCUPATIONS = (
    "administrator", "artist", "doctor", "educator", "engineer", "entertainment", "executive",
    "healthcare", "homemaker", "lawyer", "librarian", "marketing", "none", "other", "programmer",
    "retired", "salesman", "scientist", "student", "technician", "writer",
)

# Ages outside this range are data errors (ML-100K's youngest is 7, its oldest 73).
PLAUSIBLE_AGE = (5, 100)

# MovieLens 1M occupation codes (index = code).
OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)

# Goodreads shelf names that are genres (canonical spelling).
BOOK_GENRES = (
    "fantasy", "science-fiction", "romance", "mystery", "thriller", "horror", "crime",
    "historical-fiction", "non-fiction", "young-adult", "classics", "childrens", "comics",
    "humor", "biography", "history", "war", "westerns", "adventure", "music", "poetry",
    "contemporary", "paranormal", "dystopian",
)

# Shelf spellings that mean a canonical genre.
BOOK_GENRE_ALIASES = {
    "sci-fi": "science-fiction", "scifi": "science-fiction", "ya": "young-adult",
    "nonfiction": "non-fiction", "children": "childrens", "graphic-novels": "comics",
    "historical": "historical-fiction", "mystery-thriller": "mystery", "classic": "classics",
    "science-fiction-fantasy": "science-fiction", "childrens-books": "childrens", "comic": "comics",
    "graphic-novel": "comics", "biographies": "biography", "memoir": "biography", "western": "westerns",
}

# Shelves that say nothing about the book's content.
BOOK_NOISE_TAGS = (
    "to-read", "currently-reading", "owned", "favorites", "books-i-own", "kindle",
    "library", "ebook", "default", "wish-list", "re-read", "audiobook",
)

# A book keeps at most this many genres (its most shelved).
MAX_BOOK_GENRES = 5
