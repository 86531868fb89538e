with

ratings as (
    select * from {{ ref('stg_movies__ratings') }}
),

final as (
    select
        user_id,
        movie_id,
        rating,
        rated_at
    from ratings
)

select * from final
