with

movies as (
    select * from {{ ref('int_movies__features_joined') }}
),

final as (
    select
        movie_id,
        title,
        cast(release_decade as varchar(16)) as release_decade,
        cast(genre_list as varchar(1024)) as genre_list
    from movies
)

select * from final
