with

movies as (
    select * from {{ ref('dim_movies') }}
    where n_ratings > 0
),

final as (
    select
        movie_id,
        title,
        release_year,
        genre_list,
        n_ratings,
        {{ round_to('avg_rating', 3) }} as avg_rating,
        row_number() over (order by n_ratings desc, movie_id asc) as rating_count_rank
    from movies
)

select * from final
