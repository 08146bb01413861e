{#- At most one row per combination of the given columns (nulls compare equal). -#}
{% test one_row_per(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
