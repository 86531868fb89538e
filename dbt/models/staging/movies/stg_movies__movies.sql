with

source as (
    select * from {{ source('movies', 'movies') }}
    where {{ ds_filter(source('movies', 'movies')) }}
),

final as (
    select
        movie_id,
        title,
        release_year
    from source
)

select * from final
