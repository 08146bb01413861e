-- The MQL counts of the champion and challenger comparison split the MQLs of each model
-- exactly, and no count exceeds the leads compared.
select
    challenger_comparison_id,
    leads,
    champion_mql_leads,
    challenger_mql_leads,
    both_mql_leads,
    champion_only_mql_leads,
    challenger_only_mql_leads,
    same_band_leads
from {{ ref('rpt_challenger_comparison') }}
where champion_mql_leads <> both_mql_leads + champion_only_mql_leads
    or challenger_mql_leads <> both_mql_leads + challenger_only_mql_leads
    or both_mql_leads + champion_only_mql_leads + challenger_only_mql_leads > leads
    or same_band_leads > leads
