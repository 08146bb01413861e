-- A lead that is an MQL today has a first-MQL date, and it is not after the as-of date.
select
    contact_id,
    scoring_model_id,
    first_mql_at,
    as_of_date
from {{ ref('fct_lead_scores') }}
where (is_mql and first_mql_at is null)
    or first_mql_at > as_of_date
