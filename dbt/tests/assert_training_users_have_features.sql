-- Every user with a training interaction must have a feature row (or the hybrid model drops them).
select interactions.user_id
from {{ ref('mart_training__interactions') }} as interactions
left join {{ ref('mart_training__user_features') }} as features
    on interactions.user_id = features.user_id
where features.user_id is null
