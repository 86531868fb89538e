{#- Every metric of every model run, with whether its recommendations are the ones its day
    published (a run the quality gate refused never reaches raw.published_recommendations, and a
    later run of the same ds replaces the earlier one's). -#}
with

metrics as (
    select * from {{ ref('stg_platform__model_run_metrics') }}
),

recs as (
    select * from {{ ref('stg_platform__published_recommendations') }}
),

published_runs as (
    select distinct model_run_id from recs
),

final as (
    select
        metrics.ds,
        metrics.model_run_id,
        metrics.dataset,
        metrics.trained_at,
        metrics.protocol,
        metrics.model,
        metrics.role,
        metrics.metric,
        metrics.metric_value,
        published_runs.model_run_id is not null as is_published
    from metrics
    left join published_runs on metrics.model_run_id = published_runs.model_run_id
)

select * from final
