{{ config(redshift_layout(dist='all', sort=['movie_id'])) }}

with

movies as (
    select * from {{ ref('int_movies__features_joined') }}
),

final as (
    select
        movie_id,
        title,
        release_year,
        release_decade,
        genre_list,
        n_genres,
        n_ratings,
        avg_rating
    from movies
)

select * from final
