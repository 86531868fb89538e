-- Every published run, not only the run's ds: the recommendations marts compare runs.
with

source as (
    select * from {{ source('platform', 'published_recommendations') }}
),

final as (
    select
        ds,
        model_run_id,
        user_id,
        item_type,
        rec_rank,
        item_id,
        score
    from source
)

select * from final
