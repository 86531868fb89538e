with

ratings as (
    select * from {{ ref('stg_movies__ratings') }}
),

feedback as (
    select * from {{ ref('stg_movies__feedback') }}
),

event_types as (
    select * from {{ ref('feedback_event_types') }}
),

events as (
    select
        user_id,
        movie_id,
        'rating' as event_type,
        rating as event_value,
        rating,
        rated_at as occurred_at
    from ratings

    union all

    select
        user_id,
        movie_id,
        event_type,
        value as event_value,
        cast(null as double precision) as rating,
        occurred_at
    from feedback
    where event_type <> 'rating'  -- the ratings are in stg_movies__ratings already
),

weighted as (
    select
        events.user_id,
        events.movie_id,
        events.rating,
        events.occurred_at,
        case when events.event_value >= event_types.positive_at_least then event_types.weight else 0 end as weight
    from events
    inner join event_types on events.event_type = event_types.event_type
),

final as (
    select
        user_id,
        movie_id,
        max(rating) as rating,
        max(occurred_at) as rated_at,
        max(weight) as weight
    from weighted
    group by user_id, movie_id
)

select * from final
