with

source as (
    select * from {{ source('movies', 'ratings') }}
    where {{ ds_filter(source('movies', 'ratings')) }}
),

final as (
    select
        ds,
        user_id,
        movie_id,
        rating,
        rated_at
    from source
)

select * from final
