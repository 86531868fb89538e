with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

movie_genres as (
    select * from {{ ref('stg_movies__movie_genres') }}
),

total as (
    select
        max(ds) as ds,
        count(*) as n_all_ratings
    from ratings
),

per_genre as (
    select
        movie_genres.genre,
        count(*) as n_ratings,
        count(distinct ratings.user_id) as n_users,
        count(distinct ratings.movie_id) as n_movies,
        avg(ratings.rating) as avg_rating
    from ratings
    inner join movie_genres on ratings.movie_id = movie_genres.movie_id
    group by movie_genres.genre
),

final as (
    select
        total.ds,
        per_genre.genre,
        per_genre.n_ratings,
        per_genre.n_users,
        per_genre.n_movies,
        {{ round_to('per_genre.avg_rating', 3) }} as avg_rating,
        {{ round_to(ratio('per_genre.n_ratings', 'total.n_all_ratings'), 4) }} as share_of_ratings,
        row_number() over (order by per_genre.n_ratings desc, per_genre.genre asc) as popularity_rank
    from per_genre
    cross join total
)

select * from final
