{#- Which book genres each published run recommends (by the book's most shelved genre). -#}
with

recs as (
    select * from {{ ref('stg_platform__published_recommendations') }}
    where item_type = 'book'
),

books as (
    select * from {{ ref('dim_books') }}
),

per_genre as (
    select
        recs.model_run_id,
        coalesce(books.primary_genre, 'unknown') as book_genre,
        count(*) as n_recommendations,
        count(distinct recs.item_id) as n_distinct_books,
        count(distinct recs.user_id) as n_users
    from recs
    left join books on recs.item_id = books.book_id
    group by recs.model_run_id, coalesce(books.primary_genre, 'unknown')
),

per_run as (
    select
        model_run_id,
        sum(n_recommendations) as n_run_recommendations
    from per_genre
    group by model_run_id
),

final as (
    select
        per_genre.model_run_id,
        per_genre.book_genre,
        per_genre.n_recommendations,
        per_genre.n_distinct_books,
        per_genre.n_users,
        {{ round_to(ratio('per_genre.n_recommendations', 'per_run.n_run_recommendations'), 4) }}
            as share_of_book_recs
    from per_genre
    inner join per_run on per_genre.model_run_id = per_run.model_run_id
)

select * from final
