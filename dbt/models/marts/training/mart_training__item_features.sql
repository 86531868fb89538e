with

movies as (
    select * from {{ ref('int_movies__features_joined') }}
),

final as (
    select
        movie_id,
        title,
        release_decade,
        genre_list
    from movies
)

select * from final
