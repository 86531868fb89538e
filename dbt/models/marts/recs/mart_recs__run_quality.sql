{#- One row per published model run: how much of the catalogue it recommends, how
    popular what it recommends is, how varied each user's list is. Popularity and
    catalogue are those of the run's own ds snapshot in fct_ratings. -#}
with

recs as (
    select * from {{ ref('stg_platform__published_recommendations') }}
),

ratings as (
    select * from {{ ref('fct_ratings') }}
),

movie_genres as (
    select * from {{ ref('stg_movies__movie_genres') }}
),

books as (
    select * from {{ ref('dim_books') }}
),

popularity as (
    select
        ds,
        movie_id,
        count(*) as n_ratings
    from ratings
    group by ds, movie_id
),

popularity_ranked as (
    select
        ds,
        movie_id,
        n_ratings,
        percent_rank() over (partition by ds order by n_ratings) as popularity_percentile
    from popularity
),

catalogue as (
    select
        ds,
        count(*) as n_rated_movies,
        avg(cast(n_ratings as double precision)) as mean_movie_ratings
    from popularity
    group by ds
),

movie_recs as (
    select
        recs.model_run_id,
        recs.ds,
        recs.user_id,
        recs.item_id as movie_id,
        popularity_ranked.n_ratings,
        popularity_ranked.popularity_percentile
    from recs
    left join popularity_ranked
        on recs.ds = popularity_ranked.ds and recs.item_id = popularity_ranked.movie_id
    where recs.item_type = 'movie'
),

genres_per_user as (
    select
        movie_recs.model_run_id,
        movie_recs.user_id,
        count(distinct movie_genres.genre) as n_genres
    from movie_recs
    inner join movie_genres on movie_recs.movie_id = movie_genres.movie_id
    group by movie_recs.model_run_id, movie_recs.user_id
),

per_run_movies as (
    select
        model_run_id,
        max(ds) as ds,
        count(distinct user_id) as n_users,
        count(*) as n_movie_recs,
        count(distinct movie_id) as n_distinct_movies,
        avg(popularity_percentile) as mean_popularity_percentile,
        avg(cast(n_ratings as double precision)) as mean_recommended_movie_ratings
    from movie_recs
    group by model_run_id
),

per_run_diversity as (
    select
        model_run_id,
        avg(cast(n_genres as double precision)) as mean_genres_per_user
    from genres_per_user
    group by model_run_id
),

per_run_books as (
    select
        model_run_id,
        count(*) as n_book_recs,
        count(distinct item_id) as n_distinct_books
    from recs
    where item_type = 'book'
    group by model_run_id
),

book_catalogue as (
    select count(*) as n_books from books
),

final as (
    select
        per_run_movies.model_run_id,
        per_run_movies.ds,
        per_run_movies.n_users,
        per_run_movies.n_movie_recs,
        per_run_movies.n_distinct_movies,
        {{ round_to(ratio('per_run_movies.n_distinct_movies', 'catalogue.n_rated_movies'), 4) }}
            as movie_catalogue_coverage,
        {{ round_to('per_run_movies.mean_popularity_percentile', 4) }} as mean_popularity_percentile,
        {{ round_to(
            'per_run_movies.mean_recommended_movie_ratings / nullif(catalogue.mean_movie_ratings, 0)', 3) }}
            as popularity_lift,
        {{ round_to('per_run_diversity.mean_genres_per_user', 3) }} as mean_genres_per_user,
        coalesce(per_run_books.n_book_recs, 0) as n_book_recs,
        coalesce(per_run_books.n_distinct_books, 0) as n_distinct_books,
        {{ round_to(ratio('coalesce(per_run_books.n_distinct_books, 0)', 'book_catalogue.n_books'), 4) }}
            as book_catalogue_coverage
    from per_run_movies
    left join catalogue on per_run_movies.ds = catalogue.ds
    left join per_run_diversity on per_run_movies.model_run_id = per_run_diversity.model_run_id
    left join per_run_books on per_run_movies.model_run_id = per_run_books.model_run_id
    cross join book_catalogue
)

select * from final
