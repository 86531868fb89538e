with

source as (
    select * from {{ source('movies', 'feedback') }}
    where {{ ds_filter(source('movies', 'feedback')) }}
),

final as (
    select
        ds,
        feedback_id,
        user_id,
        movie_id,
        event_type,
        value,
        occurred_at
    from source
)

select * from final
