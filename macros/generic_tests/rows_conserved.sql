{#- Nothing lost in staging: the raw relation has exactly as many rows as the staged model and
    its quarantine together. Returns one row (the three counts) when they differ. -#}
{% test rows_conserved(model, raw, quarantine) %}

with

counts as (

    select
        (select count(*) from {{ raw }}) as raw_rows,
        (select count(*) from {{ model }}) as staged_rows,
        (select count(*) from {{ quarantine }}) as quarantined_rows

)

select *
from counts
where raw_rows <> staged_rows + quarantined_rows

{% endtest %}
