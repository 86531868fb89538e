{#- Every model run of every day (no ds filter): the operators' dashboards follow them over runs. -#}
with

source as (
    select * from {{ source('platform', 'model_run_metrics') }}
),

final as (
    select
        ds,
        model_run_id,
        dataset,
        trained_at,
        protocol,
        model,
        role,
        metric,
        metric_value
    from source
)

select * from final
