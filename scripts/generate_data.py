"""Generate realistic synthetic raw B2B marketing/CRM data for the lead-scoring warehouse.

Writes five raw tables as Parquet, one folder per table, into ``--output-dir`` (default ``data/raw``)::

    <output-dir>/<table>/part-00000.parquet, part-00001.parquet, ...

The dataset is first written to a temporary sibling directory and renamed into place at the end, so a
half-written dataset never appears at ``--output-dir``. String columns that repeat a lot are written as
Parquet dictionary pages; every string column reads back as plain ``string`` (no Arrow schema is stored).
Events are generated in chunks of whole contacts (about 1M rows, one row group each) and split into files of
at most 10M rows; within a chunk, rows are ordered by contact and time and event_ids count up.

Schemas (timestamps are ``timestamp[us, tz=UTC]``; ``?`` marks a nullable column):

* ``contacts``: contact_id ('C' + 8 digits, unique), company_id? ('A' + 7 digits; null for personal sign-ups),
  email (unique ignoring case and surrounding spaces; ~5 % with stray spaces or upper case), first_name,
  last_name, job_title, seniority (c_level, vp, director, manager, individual_contributor, student),
  department, country_code (ISO 3166 alpha-2), lead_source, created_at, updated_at (>= created_at).
* ``companies``: company_id (unique), company_name, domain (the e-mail domain of its employees; rivalsoft.io,
  competeflow.com and leadrival.com belong to three competitors), industry, employee_count int64,
  annual_revenue float64 (USD), country_code, updated_at.
* ``contact_changes``: change_id ('H' + 9 digits, unique), contact_id, attribute (job_title, seniority,
  department, company_id, email), old_value?, new_value?, changed_at. Promotions change job_title and
  seniority at one instant, lateral moves job_title and department, job moves company_id and email (some to a
  competitor). Per contact and attribute the changes chain: each old_value is the previous new_value, the
  first old_value is the value at creation and the last new_value is the current value in ``contacts``.
* ``events``: event_id int64, contact_id?, event_type, occurred_at (>= the contact's created_at, before the
  end of --end-date), url? (page_view and form_submit only), content_type? (content_download only:
  whitepaper, case_study, ebook), loaded_at (occurred_at plus minutes to hours, a few up to 3 days late).
* ``opportunities``: opportunity_id ('O' + 7 digits, unique), contact_id, company_id?, product_line (platform,
  analytics), stage (qualification, discovery, proposal, negotiation, closed_won, closed_lost), amount float64
  (USD), created_at, closed_at? (set for closed stages), updated_at.

Behaviour follows a B2B funnel. The generator keeps a hidden per-contact fit (its own ideal customer profile)
and a hidden "in market" state: buyers ramp up during a burst (blog and content, then webinars and product
pages, then pricing, demo requests and sales meetings), and opportunities are drawn from a hidden propensity
driven by fit and by the behaviour actually generated, days to weeks after that behaviour. Students, job
seekers (careers pages), investors (investor pages), personal, disposable and competitor e-mail addresses and
spam sign-ups almost never convert. Some contacts unsubscribe or bounce and then get few e-mail events.

Deterministic: the same --seed, --end-date, --days, --contacts, --events and --bad-row-rate give
byte-identical files. No wall-clock time is used except for the default of --end-date (today in UTC).

Deliberately bad rows, for the project's quarantine (all counted in the printed summary):

* events: round(--events x --bad-row-rate) rows, split evenly into events whose contact_id does not exist in
  contacts, events with an unknown event_type (chat_started, video_played, ad_impression), events with a null
  contact_id, and duplicate deliveries (exact copies, same event_id, of an existing event). They are part of
  the exact --events total.
* contacts: a handful (round(--contacts x --bad-row-rate), at least one when the rate is positive) with a
  malformed e-mail address (no '@', a domain without its top-level part, or empty).
* opportunities: a handful (at least one when the rate is positive and any opportunity exists) whose
  contact_id does not exist in contacts.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
NO_TIME = np.iinfo(np.int64).max
TS = pa.timestamp("us", tz="UTC")
STR_DICT = pa.dictionary(pa.int32(), pa.string())

EVENTS_PER_CHUNK = 1_000_000
MAX_CONTACTS_PER_CHUNK = 250_000
ROWS_PER_FILE = 10_000_000
ROW_GROUP_ROWS = 1_000_000
MAX_CONTACTS = 90_000_000  # contact ids have 8 digits; orphan ids are drawn above the real ones

# ----------------------------------------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------------------------------------

COUNTRIES = (
    "US",
    "GB",
    "DE",
    "CA",
    "FR",
    "NL",
    "IE",
    "SE",
    "DK",
    "NO",
    "BE",
    "CH",
    "AT",
    "AU",
    "NZ",
    "ES",
    "IT",
    "PL",
    "IN",
    "BR",
    "MX",
    "JP",
    "SG",
    "ZA",
)
COUNTRY_WEIGHTS = np.array(
    [34, 12, 9, 5, 4, 3, 1.5, 1.5, 1, 1, 1, 1, 1, 4, 1, 2, 2, 1.5, 6, 3, 2, 1.5, 1.5, 1]
)
COUNTRY_TLDS = (
    ".com",
    ".co.uk",
    ".de",
    ".ca",
    ".fr",
    ".nl",
    ".ie",
    ".se",
    ".dk",
    ".no",
    ".be",
    ".ch",
    ".at",
    ".com.au",
    ".co.nz",
    ".es",
    ".it",
    ".pl",
    ".in",
    ".com.br",
    ".com.mx",
    ".co.jp",
    ".sg",
    ".co.za",
)
# Hidden region fit: North America, Western Europe and Australia/NZ are the generator's ideal regions.
COUNTRY_FIT = np.array([0.5] * 15 + [0.0, 0.0] + [-0.6] * 7)

INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "government",
    "professional_services",
    "logistics",
    "media",
    "telecommunications",
    "non_profit",
)
INDUSTRY_WEIGHTS = np.array([16, 9, 9, 11, 7, 4, 3, 12, 7, 5, 4, 3])
INDUSTRY_NOUNS = (
    ("Software", "Systems", "Labs", "Cloud", "Digital"),
    ("Capital", "Financial", "Bank", "Insurance", "Wealth"),
    ("Health", "Medical", "Care", "Clinics", "Pharma"),
    ("Manufacturing", "Industries", "Components", "Machinery", "Works"),
    ("Retail", "Stores", "Outfitters", "Market", "Goods"),
    ("Academy", "Learning", "Education", "Institute"),
    ("County", "Agency", "Authority", "Council"),
    ("Consulting", "Advisors", "Associates", "Solutions", "Partners"),
    ("Logistics", "Freight", "Shipping", "Transport", "Supply"),
    ("Media", "Studios", "Publishing", "Broadcasting"),
    ("Telecom", "Networks", "Communications", "Wireless"),
    ("Foundation", "Trust", "Alliance", "Society"),
)
COMPANY_PREFIXES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbra",
    "Vertex",
    "Summit",
    "Pinnacle",
    "Redwood",
    "Ironclad",
    "Brightline",
    "Crescent",
    "Evergreen",
    "Falcon",
    "Granite",
    "Harbor",
    "Horizon",
    "Keystone",
    "Lakeside",
    "Meridian",
    "Northstar",
    "Oakridge",
    "Pioneer",
    "Quantum",
    "Riverbend",
    "Sapphire",
    "Silverline",
    "Skyline",
    "Sterling",
    "Sunrise",
    "Tidewater",
    "Trident",
    "Unity",
    "Vanguard",
    "Westfield",
    "Zenith",
    "Apex",
    "Beacon",
    "Cascade",
    "Copperleaf",
    "Delta",
    "Echo",
    "Frontier",
    "Gateway",
    "Highland",
    "Juniper",
    "Kestrel",
    "Liberty",
    "Maple",
    "Nimbus",
    "Orion",
    "Pacific",
    "Atlas",
    "Bluewater",
    "Cobalt",
    "Driftwood",
    "Elmwood",
    "Foxglove",
    "Golden",
    "Hawthorne",
    "Indigo",
    "Jasper",
    "Lumen",
    "Mosaic",
    "Nova",
    "Opal",
    "Prairie",
    "Quarry",
    "Sequoia",
)
COMPANY_QUALIFIERS = (
    "Group",
    "International",
    "Holdings",
    "Global",
    "Worldwide",
    "Ventures",
    "Collective",
    "Enterprises",
    "Co",
    "United",
)
COMPETITORS = (
    ("RivalSoft", "rivalsoft.io", 320),
    ("CompeteFlow", "competeflow.com", 1400),
    ("LeadRival", "leadrival.com", 85),
)

SENIORITIES = ("individual_contributor", "manager", "director", "vp", "c_level", "student")
DEPARTMENTS = (
    "executive",
    "engineering",
    "it",
    "operations",
    "project_management",
    "marketing",
    "sales",
    "finance",
    "human_resources",
    "product",
    "education",
)
# (job title, seniority, department, weight); group "business", "student" or "spam".
TITLES: tuple[tuple[str, str, str, float, str], ...] = (
    ("CEO", "c_level", "executive", 5, "business"),
    ("Founder & CEO", "c_level", "executive", 2, "business"),
    ("COO", "c_level", "operations", 2, "business"),
    ("CFO", "c_level", "finance", 2, "business"),
    ("CTO", "c_level", "engineering", 3, "business"),
    ("CIO", "c_level", "it", 2, "business"),
    ("CMO", "c_level", "marketing", 2, "business"),
    ("Chief Revenue Officer", "c_level", "sales", 1, "business"),
    ("Chief People Officer", "c_level", "human_resources", 1, "business"),
    ("VP of Engineering", "vp", "engineering", 3, "business"),
    ("VP of Operations", "vp", "operations", 3, "business"),
    ("VP of IT", "vp", "it", 2, "business"),
    ("VP of Marketing", "vp", "marketing", 3, "business"),
    ("VP of Sales", "vp", "sales", 3, "business"),
    ("VP of Finance", "vp", "finance", 1, "business"),
    ("VP of Product", "vp", "product", 2, "business"),
    ("VP of People", "vp", "human_resources", 1, "business"),
    ("VP, Project Management Office", "vp", "project_management", 1, "business"),
    ("Director of Engineering", "director", "engineering", 4, "business"),
    ("Head of Operations", "director", "operations", 4, "business"),
    ("IT Director", "director", "it", 4, "business"),
    ("PMO Director", "director", "project_management", 3, "business"),
    ("Marketing Director", "director", "marketing", 4, "business"),
    ("Sales Director", "director", "sales", 4, "business"),
    ("Finance Director", "director", "finance", 2, "business"),
    ("HR Director", "director", "human_resources", 2, "business"),
    ("Head of Product", "director", "product", 2, "business"),
    ("Project Manager", "manager", "project_management", 10, "business"),
    ("Program Manager", "manager", "project_management", 5, "business"),
    ("Delivery Manager", "manager", "project_management", 2, "business"),
    ("Engineering Manager", "manager", "engineering", 5, "business"),
    ("Team Lead", "manager", "engineering", 5, "business"),
    ("IT Manager", "manager", "it", 5, "business"),
    ("Operations Manager", "manager", "operations", 7, "business"),
    ("Marketing Manager", "manager", "marketing", 6, "business"),
    ("Sales Manager", "manager", "sales", 5, "business"),
    ("Finance Manager", "manager", "finance", 3, "business"),
    ("HR Manager", "manager", "human_resources", 3, "business"),
    ("Product Manager", "manager", "product", 5, "business"),
    ("Software Engineer", "individual_contributor", "engineering", 12, "business"),
    ("Senior Software Engineer", "individual_contributor", "engineering", 6, "business"),
    ("DevOps Engineer", "individual_contributor", "engineering", 3, "business"),
    ("Data Analyst", "individual_contributor", "engineering", 4, "business"),
    ("Systems Administrator", "individual_contributor", "it", 4, "business"),
    ("IT Support Specialist", "individual_contributor", "it", 3, "business"),
    ("Operations Analyst", "individual_contributor", "operations", 4, "business"),
    ("Project Coordinator", "individual_contributor", "project_management", 5, "business"),
    ("Scrum Master", "individual_contributor", "project_management", 2, "business"),
    ("Marketing Coordinator", "individual_contributor", "marketing", 6, "business"),
    ("Content Marketing Specialist", "individual_contributor", "marketing", 3, "business"),
    ("Account Executive", "individual_contributor", "sales", 6, "business"),
    ("Sales Development Representative", "individual_contributor", "sales", 5, "business"),
    ("Accountant", "individual_contributor", "finance", 4, "business"),
    ("Financial Analyst", "individual_contributor", "finance", 3, "business"),
    ("Recruiter", "individual_contributor", "human_resources", 3, "business"),
    ("Product Designer", "individual_contributor", "product", 3, "business"),
    ("Graduate Student", "student", "education", 4, "student"),
    ("Student", "student", "education", 3, "student"),
    ("PhD Candidate", "student", "education", 2, "student"),
    ("MBA Candidate", "student", "education", 1, "student"),
    ("test", "individual_contributor", "operations", 3, "spam"),
    ("asdf", "individual_contributor", "engineering", 2, "spam"),
    ("N/A", "individual_contributor", "operations", 2, "spam"),
    ("CEO", "c_level", "executive", 3, "spam"),
)
TITLE_NAMES = tuple(t[0] for t in TITLES)
TITLE_SENIORITY = np.array([SENIORITIES.index(t[1]) for t in TITLES])
TITLE_DEPARTMENT = np.array([DEPARTMENTS.index(t[2]) for t in TITLES])
SENIORITY_FIT = np.array([-0.5, 1.0, 1.0, 0.7, 0.2, -12.0])
DEPARTMENT_FIT = np.array([0.0, 0.6, 0.8, 0.8, 1.0, -0.4, -0.4, -0.5, -0.6, 0.1, -1.0])

FIRST_NAMES = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Daniel",
    "Karen",
    "Matthew",
    "Emily",
    "Anthony",
    "Olivia",
    "Mark",
    "Sophie",
    "Paul",
    "Emma",
    "Steven",
    "Hannah",
    "Andrew",
    "Laura",
    "Oliver",
    "Charlotte",
    "Lukas",
    "Lena",
    "Julien",
    "Camille",
    "Sanne",
    "Daan",
    "Priya",
    "Arjun",
    "Ananya",
    "Rahul",
    "Mei",
    "Wei",
    "Yuki",
    "Haruto",
    "Lucas",
    "Gabriela",
    "Mateo",
    "Sofia",
    "Liam",
    "Aoife",
    "Erik",
    "Ingrid",
    "Kwame",
    "Thandiwe",
    "Marta",
    "Piotr",
    "Giulia",
    "Marco",
    "Chloe",
    "Noah",
    "Grace",
    "Ethan",
    "Isabella",
    "Jane",
    "Omar",
    "Fatima",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Murphy",
    "Kelly",
    "Mueller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Dubois",
    "Laurent",
    "Bernard",
    "de Vries",
    "Jansen",
    "Bakker",
    "Andersson",
    "Nilsson",
    "Patel",
    "Sharma",
    "Singh",
    "Gupta",
    "Chen",
    "Wang",
    "Tanaka",
    "Sato",
    "Silva",
    "Santos",
    "Hernandez",
    "Lopez",
    "O'Brien",
    "Rossi",
    "Kowalski",
    "Nowak",
    "Doe",
    "Okafor",
)
SPAM_NAMES = (
    ("Test", "Test"),
    ("test", "user"),
    ("asdf", "qwerty"),
    ("Xkqzv", "Bvnmt"),
    ("aaa", "bbb"),
    ("Qwzx", "Plmk"),
    ("Jjjj", "Kkkk"),
    ("Zxcv", "Bnm"),
)
PERSONAL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me")
PERSONAL_DOMAIN_WEIGHTS = np.array([45, 12, 12, 15, 10, 6])
DISPOSABLE_DOMAINS = ("mailinator.com", "10minutemail.com", "guerrillamail.com", "tempmail.dev")
UNIVERSITY_DOMAINS = (
    "stanford.edu",
    "mit.edu",
    "berkeley.edu",
    "nyu.edu",
    "umich.edu",
    "ox.ac.uk",
    "cam.ac.uk",
    "tum.de",
    "ethz.ch",
    "unimelb.edu.au",
    "utoronto.ca",
    "iitb.ac.in",
)
ROLE_PREFIXES = ("info", "sales", "admin", "marketing", "support")

LEAD_SOURCES = (
    "organic_search",
    "paid_search",
    "webinar",
    "referral",
    "event",
    "content_syndication",
    "direct",
)
LEAD_SOURCE_MIX = np.array(
    [
        [28, 18, 12, 10, 10, 12, 10],  # companies' employees
        [40, 20, 4, 4, 2, 15, 15],
    ]
)  # students, personal, disposable and spam sign-ups

# Contact segments (hidden; they shape e-mail, company and behaviour).
BUSINESS, ROLE, PERSONAL, STUDENT, DISPOSABLE, COMPETITOR, SPAM = range(7)
SEGMENT_WEIGHTS = np.array([85.6, 2.0, 6.5, 3.0, 1.0, 0.9, 1.0])
SEGMENT_FIT = np.array([0.0, -1.5, -3.5, -12.0, -12.0, -12.0, -12.0])
# Hidden personas of people at companies.
REGULAR, JOB_SEEKER, INVESTOR = range(3)

# ----------------------------------------------------------------------------------------------------------
# Behaviour
# ----------------------------------------------------------------------------------------------------------

EVENT_TYPES = (
    "page_view",
    "email_open",
    "email_click",
    "email_unsubscribe",
    "email_bounce",
    "form_submit",
    "content_download",
    "webinar_registered",
    "webinar_attended",
    "demo_request",
    "social_engagement",
    "sales_meeting",
)
UNKNOWN_EVENT_TYPES = ("chat_started", "video_played", "ad_impression")
(
    PAGE_VIEW,
    EMAIL_OPEN,
    EMAIL_CLICK,
    EMAIL_UNSUBSCRIBE,
    EMAIL_BOUNCE,
    FORM_SUBMIT,
    CONTENT_DOWNLOAD,
    WEBINAR_REGISTERED,
    WEBINAR_ATTENDED,
    DEMO_REQUEST,
    SOCIAL_ENGAGEMENT,
    SALES_MEETING,
) = range(12)
CONTENT_TYPES = ("whitepaper", "case_study", "ebook")

PROFILES = (
    "nurture",
    "burst_early",
    "burst_mid",
    "burst_late",
    "student",
    "job_seeker",
    "investor",
    "low_quality",
)
NURTURE, BURST_EARLY, BURST_MID, BURST_LATE, STUDENT_P, JOB_SEEKER_P, INVESTOR_P, LOW_QUALITY_P = range(8)
# Weights per profile over EVENT_TYPES (unsubscribes and bounces are placed separately).
TYPE_MIX = np.array(
    [
        # pv   open  click unsub bounce form  dl    wreg  watt  demo   social meet
        [46, 30, 7, 0, 0, 1.2, 2.0, 1.2, 0.6, 0.05, 5, 0],
        [50, 18, 10, 0, 0, 3, 8, 3, 1, 0.2, 6, 0],
        [45, 14, 10, 0, 0, 4, 9, 6, 5, 1.0, 4, 0.5],
        [50, 10, 8, 0, 0, 6, 5, 3, 4, 4.5, 2, 3],
        [62, 20, 4, 0, 0, 1, 6, 2, 1, 0.03, 4, 0],
        [70, 15, 3, 0, 0, 3, 1, 0.5, 0.2, 0.02, 7, 0],
        [65, 20, 5, 0, 0, 1, 4, 1, 0.5, 0.02, 4, 0],
        [45, 5, 2, 0, 0, 20, 20, 5, 0.5, 1.0, 3, 0],
    ]
)
CONTENT_MIX = np.array(
    [
        [45, 25, 30],
        [45, 15, 40],
        [40, 35, 25],
        [25, 60, 15],
        [20, 10, 70],
        [30, 30, 40],
        [50, 30, 20],
        [40, 20, 40],
    ]
)

SITE = "https://www.northwind-cloud.com"
URL_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("home", ("/",)),
    ("about", ("/about", "/about/team", "/customers")),
    ("contact", ("/contact",)),
    (
        "blog",
        (
            "/blog",
            "/blog/what-is-workflow-automation",
            "/blog/project-portfolio-management-101",
            "/blog/remote-team-productivity",
            "/blog/agile-vs-waterfall",
            "/blog/resource-planning-guide",
            "/blog/okrs-for-operations-teams",
            "/blog/kanban-best-practices",
            "/blog/it-service-management-trends",
            "/blog/how-to-run-a-retrospective",
        ),
    ),
    (
        "resources",
        (
            "/resources",
            "/resources/state-of-operations-report",
            "/resources/pmo-maturity-guide",
            "/resources/roi-calculator",
            "/resources/case-study-acme-logistics",
            "/resources/workflow-automation-ebook",
            "/resources/it-ops-benchmark",
        ),
    ),
    (
        "product",
        (
            "/product",
            "/product/workflows",
            "/product/integrations",
            "/product/analytics",
            "/product/resource-planning",
            "/product/security",
        ),
    ),
    ("pricing", ("/pricing", "/pricing/compare")),
    ("pricing_enterprise", ("/pricing/enterprise",)),
    ("demo", ("/demo",)),
    ("careers", ("/careers",)),
    (
        "careers_job",
        (
            "/careers/senior-backend-engineer",
            "/careers/account-executive",
            "/careers/product-designer",
            "/careers/customer-success-manager",
            "/careers/graduate-program",
        ),
    ),
    ("investors", ("/investors", "/investors/press-releases")),
    ("investor_reports", ("/investors/annual-report", "/investors/quarterly-results")),
    (
        "docs",
        (
            "/docs",
            "/docs/getting-started",
            "/docs/api",
            "/docs/integrations/slack",
            "/docs/integrations/jira",
            "/docs/admin/sso",
        ),
    ),
    ("webinars", ("/webinars/scaling-your-pmo", "/webinars/automation-masterclass")),
)
KEY_PAGE_CATEGORIES = (6, 7, 8)  # pricing, pricing_enterprise, demo
# Page-view weights per profile over URL_CATEGORIES.
PAGE_MIX = np.array(
    [
        # home about contact blog res  prod pric ent demo car  job  inv  irep docs web
        [15, 4, 1.5, 34, 8, 13, 3, 0.3, 0.4, 1.5, 1, 0.3, 0.2, 10, 1.5],
        [10, 4, 1, 40, 15, 15, 2, 0.2, 0.5, 0.5, 0.3, 0.1, 0.1, 8, 3],
        [7, 5, 2, 12, 15, 28, 8, 1, 2, 0.3, 0.2, 0.1, 0.1, 12, 6],
        [5, 3, 4, 4, 6, 20, 25, 8, 15, 0.2, 0.1, 0.1, 0.1, 6, 2],
        [10, 4, 1, 30, 6, 5, 1, 0.1, 0.1, 18, 14, 0.2, 0.2, 10, 1],
        [8, 10, 2, 6, 1, 3, 0.5, 0.1, 0.1, 35, 33, 0.5, 0.3, 1, 0.2],
        [10, 15, 2, 5, 2, 5, 2, 0.3, 0.2, 1, 0.5, 32, 25, 0.5, 0.2],
        [30, 5, 8, 20, 10, 10, 5, 1, 3, 3, 1, 1, 1, 2, 1],
    ]
)
# form_submit pages per profile over URL_CATEGORIES.
FORM_MIX = np.array(
    [
        [0, 0, 30, 0, 45, 0, 0, 3, 7, 0, 0, 0, 0, 0, 15],
        [0, 0, 15, 0, 60, 0, 0, 2, 5, 0, 0, 0, 0, 0, 18],
        [0, 0, 15, 0, 40, 0, 0, 5, 15, 0, 0, 0, 0, 0, 25],
        [0, 0, 20, 0, 10, 0, 0, 20, 45, 0, 0, 0, 0, 0, 5],
        [0, 0, 10, 0, 50, 0, 0, 0, 2, 0, 30, 0, 0, 0, 8],
        [0, 0, 5, 0, 5, 0, 0, 0, 1, 0, 89, 0, 0, 0, 0],
        [0, 0, 60, 0, 20, 0, 0, 0, 1, 0, 0, 0, 19, 0, 0],
        [0, 0, 30, 0, 45, 0, 0, 5, 15, 0, 0, 0, 0, 0, 5],
    ]
)
URL_VARIANTS = (
    "",
    "?utm_source=google&utm_medium=cpc&utm_campaign=brand",
    "?utm_source=linkedin&utm_medium=social",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=digest",
    "mixed_case",
    "trailing_slash",
)
URL_VARIANT_WEIGHTS = np.array([80, 6, 4, 5, 3, 2])

BURST_SHARE = 0.6  # share of an in-market contact's events that fall in its buying burst
EMAIL_AFTER_OPT_OUT = 0.03  # share of e-mail opens/clicks kept after an unsubscribe or bounce
OPPORTUNITY_BASE_LOGIT = -7.6
STAGES = ("qualification", "discovery", "proposal", "negotiation", "closed_won", "closed_lost")
PRODUCT_LINES = ("platform", "analytics")

# Event row kinds (deliberately bad rows are copies of a good row of the same chunk).
GOOD, ORPHAN, UNKNOWN_TYPE, NULL_CONTACT, DUPLICATE = range(5)
BAD_KIND_LABELS = {
    ORPHAN: "orphan contact_id",
    UNKNOWN_TYPE: "unknown event_type",
    NULL_CONTACT: "null contact_id",
    DUPLICATE: "duplicate deliveries",
}

SCHEMAS = {
    "contacts": pa.schema(
        [
            ("contact_id", pa.string()),
            ("company_id", pa.string()),
            ("email", pa.string()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("job_title", pa.string()),
            ("seniority", pa.string()),
            ("department", pa.string()),
            ("country_code", pa.string()),
            ("lead_source", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "companies": pa.schema(
        [
            ("company_id", pa.string()),
            ("company_name", pa.string()),
            ("domain", pa.string()),
            ("industry", pa.string()),
            ("employee_count", pa.int64()),
            ("annual_revenue", pa.float64()),
            ("country_code", pa.string()),
            ("updated_at", TS),
        ]
    ),
    "contact_changes": pa.schema(
        [
            ("change_id", pa.string()),
            ("contact_id", pa.string()),
            ("attribute", pa.string()),
            ("old_value", pa.string()),
            ("new_value", pa.string()),
            ("changed_at", TS),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.int64()),
            ("contact_id", STR_DICT),
            ("event_type", STR_DICT),
            ("occurred_at", TS),
            ("url", STR_DICT),
            ("content_type", STR_DICT),
            ("loaded_at", TS),
        ]
    ),
    "opportunities": pa.schema(
        [
            ("opportunity_id", pa.string()),
            ("contact_id", pa.string()),
            ("company_id", pa.string()),
            ("product_line", pa.string()),
            ("stage", pa.string()),
            ("amount", pa.float64()),
            ("created_at", TS),
            ("closed_at", TS),
            ("updated_at", TS),
        ]
    ),
}
TABLES = tuple(SCHEMAS)


# ----------------------------------------------------------------------------------------------------------
# Configuration and small helpers
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    output_dir: Path
    end_date: date
    contacts: int = 20_000
    events: int = 1_000_000
    seed: int = 42
    days: int = 730
    bad_row_rate: float = 0.001
    force: bool = False
    events_per_chunk: int = EVENTS_PER_CHUNK
    rows_per_file: int = ROWS_PER_FILE
    progress: bool = True


@dataclass(frozen=True)
class Window:
    start: int  # microseconds since the epoch, inclusive
    end: int  # exclusive: midnight UTC after --end-date

    @classmethod
    def from_config(cls, config: Config) -> Window:
        end = datetime.combine(config.end_date + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        end_us = int(end.timestamp()) * 1_000_000
        return cls(end_us - config.days * US_PER_DAY, end_us)


def _normalised(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum(axis=-1, keepdims=True)


def _categorical(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one column index per element of ``rows`` from the probability row ``weights[row]``."""
    probs = _normalised(weights)
    n_rows, n_cols = probs.shape
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(n_rows)[:, None]).ravel()
    picks = np.searchsorted(flat, rows + rng.random(len(rows)), side="right") - rows * n_cols
    return np.minimum(picks, n_cols - 1)


def _choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=_normalised(weights))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform microsecond timestamps in [lo, hi)."""
    return lo + (rng.random(len(lo)) * (hi - lo)).astype(np.int64)


def _occurrence_index(codes: np.ndarray) -> np.ndarray:
    """0 for the first occurrence of each code, 1 for the second, ... (in array order)."""
    order = np.argsort(codes, kind="stable")
    ranks = np.arange(len(codes))
    first = np.r_[True, codes[order][1:] != codes[order][:-1]]
    out = np.empty(len(codes), dtype=np.int64)
    out[order] = ranks - np.maximum.accumulate(np.where(first, ranks, 0))
    return out


def _take(values: Sequence[str], idx: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(idx))


def _pick(codes: np.ndarray, candidates: Sequence[pa.Array]) -> pa.Array:
    """Element i of candidates[codes[i]] (all candidates have the same length)."""
    n = len(codes)
    return pa.concat_arrays(candidates).take(pa.array(codes.astype(np.int64) * n + np.arange(n)))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    return _join(prefix, pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0"))


def _timestamps(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int64), type=TS, mask=mask)


def _dictionary(indices: np.ndarray, dictionary: pa.Array, mask: np.ndarray | None = None) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32), mask=mask), dictionary)


# ----------------------------------------------------------------------------------------------------------
# Companies
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Companies:
    ids: pa.Array
    names: pa.Array
    domains: pa.Array
    industry: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    country: np.ndarray
    updated_at: np.ndarray
    competitor: np.ndarray  # bool

    def table(self) -> pa.Table:
        return pa.Table.from_arrays(
            [
                self.ids,
                self.names,
                self.domains,
                _take(INDUSTRIES, self.industry),
                pa.array(self.employees, pa.int64()),
                pa.array(self.revenue, pa.float64()),
                _take(COUNTRIES, self.country),
                _timestamps(self.updated_at),
            ],
            schema=SCHEMAS["companies"],
        )


def build_companies(rng: np.random.Generator, n: int, window: Window) -> Companies:
    """n companies; the last three are the competitors."""
    m = n - len(COMPETITORS)
    industry = _choice(rng, INDUSTRY_WEIGHTS, m)
    n_nouns = np.array([len(nouns) for nouns in INDUSTRY_NOUNS])
    noun_offset = np.r_[0, np.cumsum(n_nouns)[:-1]]
    noun = noun_offset[industry] + (rng.random(m) * n_nouns[industry]).astype(np.int64)
    nouns = [noun_name for nouns in INDUSTRY_NOUNS for noun_name in nouns]
    prefix = rng.integers(0, len(COMPANY_PREFIXES), m)
    repeat = _occurrence_index(prefix * len(nouns) + noun)
    country = _choice(rng, COUNTRY_WEIGHTS, m)
    tld_idx = np.where(rng.random(m) < 0.7, country, 0)

    prefix_s, noun_s = _take(COMPANY_PREFIXES, prefix), _take(nouns, noun)
    qualifier = _take(("",) + COMPANY_QUALIFIERS, np.where(repeat > 0, (repeat - 1) % 10 + 1, 0))
    number = pa.array(np.where(repeat > 10, ((repeat - 1) // 10 + 1).astype(str), ""), pa.string())
    has_q = pa.array(repeat > 0)
    names = _join(prefix_s, " ", noun_s, pc.if_else(has_q, _join(" ", qualifier, number), ""))
    domains = _join(
        pc.utf8_lower(prefix_s),
        "-",
        pc.utf8_lower(noun_s),
        pc.if_else(has_q, _join("-", pc.utf8_lower(qualifier), number), ""),
        _take(COUNTRY_TLDS, tld_idx),
    )

    employees = np.clip(np.round(rng.lognormal(np.log(180), 1.7, m)), 1, 200_000).astype(np.int64)
    employees = np.r_[employees, [c[2] for c in COMPETITORS]]
    revenue = np.round(employees * rng.lognormal(np.log(170_000), 0.45, n), -3)
    return Companies(
        ids=_ids("A", np.arange(1, n + 1), 7),
        names=pa.concat_arrays([names, pa.array([c[0] for c in COMPETITORS])]),
        domains=pa.concat_arrays([domains, pa.array([c[1] for c in COMPETITORS])]),
        industry=np.r_[industry, [0] * len(COMPETITORS)],
        employees=employees,
        revenue=revenue,
        country=np.r_[country, [0, 0, 1]],
        updated_at=_between(rng, np.full(n, window.start), np.full(n, window.end)),
        competitor=np.r_[np.zeros(m, bool), np.ones(len(COMPETITORS), bool)],
    )


# ----------------------------------------------------------------------------------------------------------
# Contacts and their CRM history
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Contacts:
    created_at: np.ndarray
    segment: np.ndarray
    persona: np.ndarray
    company: np.ndarray  # current company index, -1 for none
    title: np.ndarray  # current title index
    country: np.ndarray
    lead_source: np.ndarray
    first: pa.Array
    last: pa.Array
    local: pa.Array  # e-mail local part
    domain_kind: np.ndarray  # 0 company, 1 personal, 2 disposable, 3 university
    free_domain: pa.Array  # domain for non-company addresses
    mess: np.ndarray  # 0 clean, 1 leading space, 2 trailing space, 3 upper case, 4 upper-case domain
    last_change: np.ndarray  # time of the last CRM change (created_at if none)


@dataclass
class Changes:
    contact: np.ndarray
    changed_at: np.ndarray
    kind: np.ndarray  # 0 promotion, 1 job move, 2 lateral move
    old_title: np.ndarray
    new_title: np.ndarray
    old_company: np.ndarray
    new_company: np.ndarray


def _created_times(rng: np.random.Generator, n: int, window: Window, growth: float = 2.0) -> np.ndarray:
    """Sign-up times with an inflow rate growing linearly to (1 + growth) times the initial rate."""
    u = rng.random(n)
    frac = (np.sqrt(1.0 + 2.0 * growth * u * (1.0 + growth / 2.0)) - 1.0) / growth
    return np.sort(window.start + (frac * (window.end - window.start)).astype(np.int64))


def _sample_titles(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    groups = np.array([t[4] for t in TITLES])
    weights = np.array([t[3] for t in TITLES], dtype=np.float64)
    mix = np.stack([np.where(groups == g, weights, 0.0) for g in ("business", "student", "spam")])
    row = np.where(segment == STUDENT, 1, 0)
    row[(segment == SPAM) & (rng.random(len(segment)) < 0.6)] = 2
    return _categorical(rng, mix, row)


def _names(rng: np.random.Generator, segment: np.ndarray) -> tuple[pa.Array, pa.Array]:
    n = len(segment)
    first_idx = rng.integers(0, len(FIRST_NAMES), n)
    last_idx = rng.integers(0, len(LAST_NAMES), n)
    spam = rng.integers(0, len(SPAM_NAMES), n)
    is_spam = pa.array(segment == SPAM)
    first = pc.if_else(is_spam, _take([s[0] for s in SPAM_NAMES], spam), _take(FIRST_NAMES, first_idx))
    last = pc.if_else(is_spam, _take([s[1] for s in SPAM_NAMES], spam), _take(LAST_NAMES, last_idx))
    return first, last


def _plain(name: pa.Array) -> pa.Array:
    """A name as it appears in an e-mail address: no spaces or apostrophes."""
    return pc.replace_substring_regex(name, "[ ']", "")


def _person_locals(rng: np.random.Generator, first: pa.Array, last: pa.Array) -> pa.Array:
    """'Jane.Doe', 'JDoe', 'Jane_Doe', 'Jane', 'JaneD'; lower case for most people."""
    n = len(first)
    last = _plain(last)
    initial, last_initial = pc.utf8_slice_codeunits(first, 0, 1), pc.utf8_slice_codeunits(last, 0, 1)
    pattern = _choice(rng, np.array([55, 20, 5, 8, 12]), n)
    local = _pick(
        pattern,
        [
            _join(first, ".", last),
            _join(initial, last),
            _join(first, "_", last),
            first,
            _join(first, last_initial),
        ],
    )
    return pc.if_else(pa.array(rng.random(n) < 0.8), pc.utf8_lower(local), local)


def _email_locals(rng: np.random.Generator, segment: np.ndarray, first: pa.Array, last: pa.Array) -> pa.Array:
    n = len(segment)
    person = _person_locals(rng, first, last)
    digits = pa.array(rng.integers(1, 9999, n).astype(str), pa.string())
    numbered = np.isin(segment, (PERSONAL, STUDENT, DISPOSABLE, SPAM)) & (rng.random(n) < 0.6)
    local = pc.if_else(pa.array(numbered), _join(person, digits), person)
    spam_local = _join(pc.utf8_lower(first), pc.utf8_lower(last), digits)
    local = pc.if_else(pa.array(segment == SPAM), spam_local, local)
    role = _take(ROLE_PREFIXES, rng.integers(0, len(ROLE_PREFIXES), n))
    return pc.if_else(pa.array(segment == ROLE), role, local)


def _free_domains(rng: np.random.Generator, segment: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Domain kind per contact and the domain for non-company addresses."""
    n = len(segment)
    kind = np.zeros(n, dtype=np.int8)
    kind[segment == PERSONAL] = 1
    kind[segment == STUDENT] = np.where(rng.random((segment == STUDENT).sum()) < 0.55, 3, 1)
    kind[segment == DISPOSABLE] = 2
    kind[segment == SPAM] = np.where(rng.random((segment == SPAM).sum()) < 0.5, 2, 1)
    free = _pick(
        np.maximum(kind - 1, 0),
        [
            _take(PERSONAL_DOMAINS, _choice(rng, PERSONAL_DOMAIN_WEIGHTS, n)),
            _take(DISPOSABLE_DOMAINS, rng.integers(0, len(DISPOSABLE_DOMAINS), n)),
            _take(UNIVERSITY_DOMAINS, rng.integers(0, len(UNIVERSITY_DOMAINS), n)),
        ],
    )
    return kind, free


def build_contacts(rng: np.random.Generator, n: int, companies: Companies, window: Window) -> Contacts:
    """Contacts as they were at sign-up (company and title are updated by simulate_changes)."""
    segment = _choice(rng, SEGMENT_WEIGHTS, n).astype(np.int8)
    persona = np.where(
        np.isin(segment, (BUSINESS, ROLE, PERSONAL)), _choice(rng, np.array([94.5, 4.0, 1.5]), n), REGULAR
    )
    regular = np.flatnonzero(~companies.competitor)
    company = regular[_choice(rng, companies.employees[regular] ** 0.45, n)]
    company = np.where(
        segment == COMPETITOR, np.flatnonzero(companies.competitor)[rng.integers(0, 3, n)], company
    )
    personal_sign_up = (segment == PERSONAL) & (rng.random(n) < 0.15)
    company = np.where(np.isin(segment, (STUDENT, DISPOSABLE, SPAM)) | personal_sign_up, -1, company)
    own_country = (company >= 0) & (rng.random(n) < 0.85)
    country = np.where(
        own_country, companies.country[np.maximum(company, 0)], _choice(rng, COUNTRY_WEIGHTS, n)
    )
    low_quality = np.isin(segment, (PERSONAL, STUDENT, DISPOSABLE, SPAM)).astype(np.int64)
    first, last = _names(rng, segment)
    domain_kind, free_domain = _free_domains(rng, segment)
    created_at = _created_times(rng, n, window)
    return Contacts(
        created_at=created_at,
        segment=segment,
        persona=persona,
        company=company,
        title=_sample_titles(rng, segment),
        country=country,
        lead_source=_categorical(rng, LEAD_SOURCE_MIX, low_quality),
        first=first,
        last=last,
        local=_email_locals(rng, segment, first, last),
        domain_kind=domain_kind,
        free_domain=free_domain,
        mess=np.where(rng.random(n) < 0.05, rng.integers(1, 5, n), 0),
        last_change=created_at.copy(),
    )


def _title_moves() -> tuple[np.ndarray, list[list[int]]]:
    """Promotion target per title (-1 if none) and lateral-move targets (same seniority, other department)."""
    business = [i for i, t in enumerate(TITLES) if t[4] == "business"]
    promote = np.full(len(TITLES), -1)
    lateral: list[list[int]] = [[] for _ in TITLES]
    for i in business:
        up = [
            j
            for j in business
            if TITLE_DEPARTMENT[j] == TITLE_DEPARTMENT[i]
            and TITLE_SENIORITY[j] == TITLE_SENIORITY[i] + 1
            and TITLE_SENIORITY[i] < 4
        ]
        if up:
            promote[i] = max(up, key=lambda j: TITLES[j][3])
        lateral[i] = [
            j
            for j in business
            if TITLE_SENIORITY[j] == TITLE_SENIORITY[i]
            and TITLE_DEPARTMENT[j] not in (TITLE_DEPARTMENT[i], DEPARTMENTS.index("executive"))
        ]
    return promote, lateral


def _new_companies(rng: np.random.Generator, old: np.ndarray, companies: Companies) -> np.ndarray:
    regular = np.flatnonzero(~companies.competitor)
    new = regular[_choice(rng, companies.employees[regular] ** 0.45, len(old))]
    new = np.where(new == old, regular[(np.searchsorted(regular, new) + 1) % len(regular)], new)
    to_rival = rng.random(len(old)) < 0.12
    return np.where(to_rival, np.flatnonzero(companies.competitor)[rng.integers(0, 3, len(old))], new)


def simulate_changes(
    rng: np.random.Generator, contacts: Contacts, companies: Companies, window: Window, share: float = 0.08
) -> Changes:
    """Give about ``share`` of all contacts 1-3 promotions, lateral moves or job moves; updates contacts."""
    eligible = np.flatnonzero(contacts.segment == BUSINESS)
    p = min(1.0, share * len(contacts.segment) / max(1, len(eligible)))
    who = eligible[rng.random(len(eligible)) < p]
    n_changes = 1 + _choice(rng, np.array([60, 30, 10]), len(who))
    lo = contacts.created_at[who]
    span = (window.end - lo)[:, None]
    times = np.sort(lo[:, None] + rng.uniform(0.02, 1.0, (len(who), 3)) * span, axis=1)
    times = np.minimum(times.astype(np.int64) + np.arange(3), window.end - 3 + np.arange(3))
    promote, lateral = _title_moves()
    n_lateral = np.array([len(x) for x in lateral])
    lateral_flat = np.array([j for x in lateral for j in x])
    lateral_offset = np.r_[0, np.cumsum(n_lateral)[:-1]]
    records = []
    for step in range(3):
        active = n_changes > step
        c = who[active]
        title, company = contacts.title[c], contacts.company[c]
        kind = _choice(rng, np.array([50, 35, 15]), len(c))
        kind[(kind == 0) & (promote[title] < 0)] = 1
        kind[(kind == 2) & (n_lateral[title] == 0)] = 1
        pick = lateral_offset[title] + (rng.random(len(c)) * np.maximum(n_lateral[title], 1)).astype(np.int64)
        lateral_title = lateral_flat[np.minimum(pick, len(lateral_flat) - 1)]
        new_title = np.where(kind == 0, promote[title], np.where(kind == 2, lateral_title, title))
        new_company = np.where(kind == 1, _new_companies(rng, company, companies), company)
        records.append(Changes(c, times[active, step], kind, title, new_title, company, new_company))
        contacts.title[c], contacts.company[c] = new_title, new_company
        contacts.last_change[c] = times[active, step]
    return Changes(*(np.concatenate([getattr(r, f) for r in records]) for f in Changes.__dataclass_fields__))


def _domains(contacts: Contacts, companies: Companies, company: np.ndarray, rows: np.ndarray) -> pa.Array:
    company_domain = companies.domains.take(pa.array(np.maximum(company, 0)))
    free_domain = contacts.free_domain.take(pa.array(rows))
    return pc.if_else(pa.array(contacts.domain_kind[rows] == 0), company_domain, free_domain)


def make_emails_unique(contacts: Contacts, companies: Companies) -> None:
    """Rewrite local parts so that current e-mail addresses are unique ignoring case and spaces."""
    n = len(contacts.segment)
    domain = pc.utf8_lower(_domains(contacts, companies, contacts.company, np.arange(n)))
    person = _join(pc.utf8_lower(contacts.first), ".", _plain(pc.utf8_lower(contacts.last)))
    number = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    for _ in range(3):
        key = pc.dictionary_encode(_join(pc.utf8_lower(contacts.local), "@", domain)).indices
        dup = _occurrence_index(key.to_numpy()) > 0
        if not dup.any():
            return
        renamed = pc.if_else(pa.array(contacts.segment == ROLE), person, _join(contacts.local, number))
        contacts.local = pc.if_else(pa.array(dup), renamed, contacts.local)
        contacts.segment[dup & (contacts.segment == ROLE)] = BUSINESS
    raise RuntimeError("could not make e-mail addresses unique")


def emails(contacts: Contacts, companies: Companies, company: np.ndarray, rows: np.ndarray) -> pa.Array:
    """E-mail address of contacts[rows] while working at company (index per row)."""
    local = contacts.local.take(pa.array(rows))
    domain = _domains(contacts, companies, company, rows)
    mess = contacts.mess[rows]
    clean = _join(local, "@", domain)
    return _pick(
        mess,
        [
            clean,
            _join(" ", clean),
            _join(clean, " "),
            pc.utf8_upper(clean),
            _join(local, "@", pc.utf8_upper(domain)),
        ],
    )


def _malformed_emails(
    rng: np.random.Generator, contacts: Contacts, companies: Companies, rows: np.ndarray
) -> pa.Array:
    local = contacts.local.take(pa.array(rows))
    domain = _domains(contacts, companies, contacts.company[rows], rows)
    no_tld = pc.replace_substring_regex(domain, r"\..*$", "")
    return _pick(
        rng.integers(0, 3, len(rows)),
        [_join(local, ".", domain), _join(local, "@", no_tld), pa.array([""] * len(rows))],
    )


def contacts_table(
    rng: np.random.Generator,
    contacts: Contacts,
    companies: Companies,
    changes: Changes,
    window: Window,
    n_bad: int,
) -> pa.Table:
    n = len(contacts.segment)
    rows = np.arange(n)
    email = emails(contacts, companies, contacts.company, rows)
    email_changed = np.zeros(n, bool)
    email_changed[changes.contact[changes.kind == 1]] = True
    candidates = np.flatnonzero(~email_changed)
    bad = rng.choice(candidates, size=min(n_bad, len(candidates)), replace=False)
    if len(bad):
        email = pc.replace_with_mask(
            email, pa.array(np.isin(rows, bad)), _malformed_emails(rng, contacts, companies, np.sort(bad))
        )
    later = contacts.created_at + (rng.random(n) ** 2 * (window.end - contacts.created_at)).astype(np.int64)
    company_id = companies.ids.take(pa.array(np.maximum(contacts.company, 0)))
    return pa.Table.from_arrays(
        [
            _ids("C", rows + 1, 8),
            pc.if_else(pa.array(contacts.company >= 0), company_id, pa.scalar(None, pa.string())),
            email,
            contacts.first,
            contacts.last,
            _take(TITLE_NAMES, contacts.title),
            _take(SENIORITIES, TITLE_SENIORITY[contacts.title]),
            _take(DEPARTMENTS, TITLE_DEPARTMENT[contacts.title]),
            _take(COUNTRIES, contacts.country),
            _take(LEAD_SOURCES, contacts.lead_source),
            _timestamps(contacts.created_at),
            _timestamps(np.maximum(later, contacts.last_change)),
        ],
        schema=SCHEMAS["contacts"],
    )


def changes_table(contacts: Contacts, companies: Companies, changes: Changes) -> pa.Table:
    """One row per changed attribute, ordered by time."""
    promo, move, lateral = (np.flatnonzero(changes.kind == k) for k in range(3))
    title_rows = np.r_[promo, lateral]
    parts = [
        (
            "job_title",
            title_rows,
            _take(TITLE_NAMES, changes.old_title[title_rows]),
            _take(TITLE_NAMES, changes.new_title[title_rows]),
        ),
        (
            "seniority",
            promo,
            _take(SENIORITIES, TITLE_SENIORITY[changes.old_title[promo]]),
            _take(SENIORITIES, TITLE_SENIORITY[changes.new_title[promo]]),
        ),
        (
            "department",
            lateral,
            _take(DEPARTMENTS, TITLE_DEPARTMENT[changes.old_title[lateral]]),
            _take(DEPARTMENTS, TITLE_DEPARTMENT[changes.new_title[lateral]]),
        ),
        (
            "company_id",
            move,
            companies.ids.take(pa.array(changes.old_company[move])),
            companies.ids.take(pa.array(changes.new_company[move])),
        ),
        (
            "email",
            move,
            emails(contacts, companies, changes.old_company[move], changes.contact[move]),
            emails(contacts, companies, changes.new_company[move], changes.contact[move]),
        ),
    ]
    rows = np.concatenate([p[1] for p in parts])
    attr = np.concatenate([np.full(len(p[1]), i) for i, p in enumerate(parts)])
    order = np.lexsort((attr, changes.contact[rows], changes.changed_at[rows]))
    take = pa.array(order)
    return pa.Table.from_arrays(
        [
            _ids("H", np.arange(1, len(rows) + 1), 9),
            _ids("C", changes.contact[rows][order] + 1, 8),
            _take([p[0] for p in parts], attr[order]),
            pa.concat_arrays([p[2] for p in parts]).take(take),
            pa.concat_arrays([p[3] for p in parts]).take(take),
            _timestamps(changes.changed_at[rows][order]),
        ],
        schema=SCHEMAS["contact_changes"],
    )


# ----------------------------------------------------------------------------------------------------------
# Hidden behaviour model
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Hidden:
    """What the generator knows about each contact and never writes out."""

    created_at: np.ndarray
    active_end: np.ndarray
    base_profile: np.ndarray
    fit: np.ndarray
    in_market: np.ndarray
    burst_start: np.ndarray
    burst_end: np.ndarray
    opt_out_at: np.ndarray
    opt_out_type: np.ndarray
    employees: np.ndarray  # of the current company, 0 for none
    company: np.ndarray
    weight: np.ndarray  # relative number of events


def _fit(contacts: Contacts, companies: Companies) -> np.ndarray:
    employees = np.where(contacts.company >= 0, companies.employees[np.maximum(contacts.company, 0)], 0)
    size_fit = np.select(
        [
            contacts.company < 0,
            (employees >= 50) & (employees <= 5000),
            (employees >= 20) & (employees <= 20_000),
        ],
        [-1.0, 0.9, 0.0],
        -1.0,
    )
    rival = (contacts.company >= 0) & companies.competitor[np.maximum(contacts.company, 0)]
    return (
        SENIORITY_FIT[TITLE_SENIORITY[contacts.title]]
        + DEPARTMENT_FIT[TITLE_DEPARTMENT[contacts.title]]
        + size_fit
        + COUNTRY_FIT[contacts.country]
        + SEGMENT_FIT[contacts.segment]
        + np.where(contacts.persona == REGULAR, 0.0, -3.0)
        + np.where(rival, -12.0, 0.0)
    )


def build_hidden(
    rng: np.random.Generator, contacts: Contacts, companies: Companies, window: Window
) -> Hidden:
    n = len(contacts.segment)
    created, end = contacts.created_at, window.end
    fit = _fit(contacts, companies)
    in_market = rng.random(n) < 0.25 * _sigmoid(1.6 * (fit - 2.0))
    burst_start = _between(rng, np.maximum(created, contacts.last_change), np.full(n, end))
    burst_end = burst_start + (rng.gamma(2.0, 12.0, n) + 14.0) * US_PER_DAY
    dormant = ~in_market & (rng.random(n) < 0.35)
    dormant_from = created + (30 + rng.exponential(120, n)) * US_PER_DAY
    active_end = np.where(dormant, np.minimum(end, dormant_from), end)
    active_end = np.maximum(active_end.astype(np.int64), created + 1)

    segment = contacts.segment
    opt_out_p = np.select([segment == DISPOSABLE, segment == SPAM], [0.5, 0.35], 0.045)
    opt_out = rng.random(n) < opt_out_p
    bounce_p = np.select([segment == DISPOSABLE, segment == SPAM, segment == PERSONAL], [0.9, 0.7, 0.25], 0.2)
    opt_out_type = np.where(rng.random(n) < bounce_p, EMAIL_BOUNCE, EMAIL_UNSUBSCRIBE)
    opt_out_at = np.where(
        opt_out, created + (rng.random(n) * 0.9 * (active_end - created)).astype(np.int64), NO_TIME
    )

    base_profile = np.select(
        [
            segment == STUDENT,
            np.isin(segment, (SPAM, DISPOSABLE)),
            contacts.persona == JOB_SEEKER,
            contacts.persona == INVESTOR,
        ],
        [STUDENT_P, LOW_QUALITY_P, JOB_SEEKER_P, INVESTOR_P],
        NURTURE,
    )
    activity = rng.lognormal(0.0, 1.1, n) * np.select(
        [np.isin(segment, (SPAM, DISPOSABLE)), segment == STUDENT], [0.3, 0.8], 1.0
    )
    activity = np.minimum(activity * np.where(in_market, 2.5, 1.0), 30.0 * activity.mean())
    weight = activity * (active_end - created) / US_PER_DAY
    company = contacts.company
    employees = np.where(company >= 0, companies.employees[np.maximum(company, 0)], 0)
    return Hidden(
        created,
        active_end,
        base_profile,
        fit,
        in_market,
        burst_start,
        burst_end.astype(np.int64),
        opt_out_at,
        opt_out_type,
        employees,
        company,
        weight,
    )


# ----------------------------------------------------------------------------------------------------------
# Events
# ----------------------------------------------------------------------------------------------------------


@functools.cache
def url_vocabulary() -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """All URLs (path x variant), and per category the offset and number of its paths."""
    paths = [p for _, cat_paths in URL_CATEGORIES for p in cat_paths]
    urls = []
    for path in paths:
        for variant in URL_VARIANTS:
            if variant == "mixed_case":
                urls.append("https://www.Northwind-Cloud.com" + path.title())
            elif variant == "trailing_slash":
                urls.append(SITE + (path + "/" if path != "/" else ""))
            else:
                urls.append(SITE + path + variant)
    sizes = np.array([len(cat_paths) for _, cat_paths in URL_CATEGORIES])
    return pa.array(urls, pa.string()), np.r_[0, np.cumsum(sizes)[:-1]], sizes


@dataclass
class EventRows:
    contact: np.ndarray  # local contact index within the chunk
    occurred_at: np.ndarray
    event_type: np.ndarray
    url: np.ndarray  # index into url_vocabulary(), -1 for null
    url_category: np.ndarray  # -1 for null
    content_type: np.ndarray  # -1 for null
    loaded_at: np.ndarray

    def take(self, idx: np.ndarray) -> EventRows:
        return EventRows(*(getattr(self, f)[idx] for f in EventRows.__dataclass_fields__))

    def concat(self, other: EventRows) -> EventRows:
        return EventRows(
            *(np.concatenate([getattr(self, f), getattr(other, f)]) for f in EventRows.__dataclass_fields__)
        )


def _times_and_profiles(
    rng: np.random.Generator, g: np.ndarray, h: Hidden, window: Window
) -> tuple[np.ndarray, np.ndarray]:
    n = len(g)
    created = h.created_at[g]
    t = created + (rng.random(n) * (h.active_end[g] - created)).astype(np.int64)
    profile = h.base_profile[g].copy()
    in_burst = h.in_market[g] & (rng.random(n) < BURST_SHARE)
    b = np.flatnonzero(in_burst)
    start, stop = h.burst_start[g[b]], np.minimum(h.burst_end[g[b]], window.end)
    position = rng.random(len(b)) ** 0.6  # density ramps up towards the end of the burst
    t[b] = start + (position * (stop - start)).astype(np.int64)
    stage_frac = position * (stop - start) / (h.burst_end[g[b]] - start)
    profile[b] = np.select([stage_frac < 0.35, stage_frac < 0.7], [BURST_EARLY, BURST_MID], BURST_LATE)
    return t, profile


def _campaign_sends(t: np.ndarray, window: Window) -> np.ndarray:
    """Time of the last weekly newsletter send (Tuesdays 15:00 UTC) at or before t."""
    monday = window.start - (window.start // US_PER_DAY + 3) % 7 * US_PER_DAY  # 1970-01-01 was a Thursday
    first_tuesday = monday + US_PER_DAY + 15 * US_PER_HOUR
    week = 7 * US_PER_DAY
    return first_tuesday + (t - first_tuesday) // week * week


def _event_types(
    rng: np.random.Generator,
    g: np.ndarray,
    t: np.ndarray,
    profile: np.ndarray,
    h: Hidden,
    window: Window,
    first_of_contact: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    etype = _categorical(rng, TYPE_MIX, profile)
    email = np.isin(etype, (EMAIL_OPEN, EMAIL_CLICK))
    opted_out = t > h.opt_out_at[g]
    etype[email & opted_out & (rng.random(len(t)) >= EMAIL_AFTER_OPT_OUT)] = PAGE_VIEW
    # E-mail engagement clusters after the weekly newsletter send.
    e = np.flatnonzero(np.isin(etype, (EMAIL_OPEN, EMAIL_CLICK)))
    snapped = _campaign_sends(t[e], window) + rng.exponential(6 * US_PER_HOUR, len(e)).astype(np.int64)
    ok = (snapped >= h.created_at[g[e]]) & (snapped < window.end)
    t[e] = np.where(ok, snapped, t[e])
    # One unsubscribe or bounce per opted-out contact, on its first event slot.
    o = first_of_contact[h.opt_out_at[g[first_of_contact]] != NO_TIME]
    etype[o], t[o] = h.opt_out_type[g[o]], h.opt_out_at[g[o]]
    return etype, t


def _urls(rng: np.random.Generator, etype: np.ndarray, profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(etype)
    category = np.full(n, -1)
    pv, form = np.flatnonzero(etype == PAGE_VIEW), np.flatnonzero(etype == FORM_SUBMIT)
    category[pv] = _categorical(rng, PAGE_MIX, profile[pv])
    category[form] = _categorical(rng, FORM_MIX, profile[form])
    has = category >= 0
    c = category[has]
    _, offset, size = url_vocabulary()
    path = offset[c] + (rng.random(len(c)) * size[c]).astype(np.int64)
    url = np.full(n, -1)
    url[has] = path * len(URL_VARIANTS) + _choice(rng, URL_VARIANT_WEIGHTS, len(c))
    return url, category


def _loaded_at(rng: np.random.Generator, t: np.ndarray, window: Window) -> np.ndarray:
    n = len(t)
    delay = rng.lognormal(np.log(15 * 60e6), 1.0, n)
    late = rng.random(n) < 0.01
    delay[late] = rng.uniform(3 * US_PER_HOUR, 72 * US_PER_HOUR, late.sum())
    loaded = t + delay.astype(np.int64)
    beyond = loaded >= window.end
    loaded[beyond] = t[beyond] + (rng.random(beyond.sum()) * (window.end - 1 - t[beyond])).astype(np.int64)
    return loaded


def good_events(
    rng: np.random.Generator, lo: int, counts: np.ndarray, h: Hidden, window: Window
) -> EventRows:
    """All events of contacts lo .. lo + len(counts) - 1."""
    local = np.repeat(np.arange(len(counts)), counts)
    g = lo + local
    t, profile = _times_and_profiles(rng, g, h, window)
    first_of_contact = (np.cumsum(counts) - counts)[counts > 0]
    etype, t = _event_types(rng, g, t, profile, h, window, first_of_contact)
    url, category = _urls(rng, etype, profile)
    content = np.full(len(t), -1)
    dl = np.flatnonzero(etype == CONTENT_DOWNLOAD)
    content[dl] = _categorical(rng, CONTENT_MIX, profile[dl])
    return EventRows(local, t, etype, url, category, content, _loaded_at(rng, t, window))


def add_bad_rows(
    rng: np.random.Generator, rows: EventRows, bad: np.ndarray
) -> tuple[EventRows, np.ndarray, np.ndarray]:
    """Append bad[k] copies of random good rows as bad rows of kind k (ORPHAN .. DUPLICATE).

    Returns the rows, their kind and their origin (the good row a bad row was copied from).
    """
    n_good = len(rows.contact)
    kinds = np.repeat(np.arange(ORPHAN, DUPLICATE + 1), bad[ORPHAN:])
    source = rng.integers(0, n_good, len(kinds))
    copies = rows.take(source)
    unknown = kinds == UNKNOWN_TYPE
    copies.event_type[unknown] = len(EVENT_TYPES) + rng.integers(0, len(UNKNOWN_EVENT_TYPES), unknown.sum())
    copies.url[unknown] = copies.url_category[unknown] = copies.content_type[unknown] = -1
    return rows.concat(copies), np.r_[np.full(n_good, GOOD), kinds], np.r_[np.arange(n_good), source]


def events_table(
    rng: np.random.Generator,
    rows: EventRows,
    kind: np.ndarray,
    origin: np.ndarray,
    contact_ids: pa.Array,
    first_id: int,
    n_contacts: int,
) -> tuple[pa.Table, int]:
    """Sort a chunk's rows by contact and time, number them and build the Arrow table."""
    order = np.lexsort((kind, rows.occurred_at, rows.contact))
    rows, kind, origin = rows.take(order), kind[order], origin[order]
    ids = np.zeros(len(kind), np.int64)
    new = kind != DUPLICATE
    ids[new] = first_id + np.arange(new.sum())
    id_of_good = np.zeros(int((kind == GOOD).sum()), np.int64)
    id_of_good[origin[kind == GOOD]] = ids[kind == GOOD]
    ids[~new] = id_of_good[origin[~new]]

    orphans = kind == ORPHAN
    orphan_numbers = n_contacts + 1 + rng.integers(0, 1_000_000, orphans.sum())
    unique_numbers, inverse = np.unique(orphan_numbers, return_inverse=True)
    dictionary = pa.concat_arrays([contact_ids, _ids("C", unique_numbers, 8)])
    contact_idx = rows.contact.copy()
    contact_idx[orphans] = len(contact_ids) + inverse
    table = pa.Table.from_arrays(
        [
            pa.array(ids, pa.int64()),
            _dictionary(contact_idx, dictionary, mask=kind == NULL_CONTACT),
            _dictionary(rows.event_type, pa.array(EVENT_TYPES + UNKNOWN_EVENT_TYPES, pa.string())),
            _timestamps(rows.occurred_at),
            _dictionary(np.maximum(rows.url, 0), url_vocabulary()[0], mask=rows.url < 0),
            _dictionary(
                np.maximum(rows.content_type, 0),
                pa.array(CONTENT_TYPES, pa.string()),
                mask=rows.content_type < 0,
            ),
            _timestamps(rows.loaded_at),
        ],
        schema=SCHEMAS["events"],
    )
    return table, first_id + int(new.sum())


def chunk_bounds(
    counts: np.ndarray, events_per_chunk: int, max_contacts: int = MAX_CONTACTS_PER_CHUNK
) -> list[tuple[int, int]]:
    """Split contacts into consecutive ranges of about events_per_chunk events (whole contacts only)."""
    before = np.cumsum(counts) - counts
    by_events, by_contacts = before // events_per_chunk, np.arange(len(counts)) // max_contacts
    starts = np.flatnonzero(np.r_[True, (np.diff(by_events) != 0) | (np.diff(by_contacts) != 0)])
    ends = np.r_[starts[1:], len(counts)]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def bad_rows_per_chunk(rng: np.random.Generator, n_bad: int, chunk_good: np.ndarray) -> np.ndarray:
    """(chunks x 5) counts of bad rows by kind; kinds get n_bad // 4 each, the remainder to the first ones."""
    per_kind = np.full(4, n_bad // 4) + (np.arange(4) < n_bad % 4)
    out = np.zeros((len(chunk_good), 5), np.int64)
    if n_bad and chunk_good.sum():
        p = chunk_good / chunk_good.sum()
        for k, total in enumerate(per_kind, start=ORPHAN):
            out[:, k] = rng.multinomial(total, p)
    return out


# ----------------------------------------------------------------------------------------------------------
# Opportunities
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Conversions:
    contact: np.ndarray  # global contact index
    created_at: np.ndarray
    demo: np.ndarray  # bool: requested a demo before the opportunity

    @classmethod
    def concat(cls, parts: Sequence[Conversions]) -> Conversions:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))


def conversions(
    rng: np.random.Generator, lo: int, n: int, rows: EventRows, h: Hidden, window: Window
) -> Conversions:
    """Contacts of a chunk that become opportunities, from the hidden propensity and their events.

    The decision looks only at events up to an anchor: the last high-intent event (of the buying burst for
    in-market contacts), or the last event if there is none. The opportunity follows days to weeks later.
    """
    c, t, etype = rows.contact, rows.occurred_at, rows.event_type
    g, gc = lo + np.arange(n), lo + c
    key_page = (etype == PAGE_VIEW) & np.isin(rows.url_category, KEY_PAGE_CATEGORIES)
    high_intent = np.isin(etype, (DEMO_REQUEST, WEBINAR_ATTENDED, SALES_MEETING)) | key_page
    in_burst = (t >= h.burst_start[gc]) & (t <= h.burst_end[gc])
    drivers = high_intent & (in_burst | ~h.in_market[gc])
    anchor, last = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    np.maximum.at(anchor, c[drivers], t[drivers])
    np.maximum.at(last, c, t)
    anchor = np.where(anchor < 0, last, anchor)
    before = t <= anchor[c]

    def per_contact(mask: np.ndarray) -> np.ndarray:
        return np.bincount(c[mask & before], minlength=n)

    demo, key_pages = per_contact(etype == DEMO_REQUEST), per_contact(key_page)
    webinars, downloads = per_contact(etype == WEBINAR_ATTENDED), per_contact(etype == CONTENT_DOWNLOAD)
    meetings = per_contact(etype == SALES_MEETING)
    recent = per_contact(t > anchor[c] - 30 * US_PER_DAY)
    logit = (
        OPPORTUNITY_BASE_LOGIT
        + 0.6 * np.minimum(h.fit[g], 3.5)
        + 2.0 * h.in_market[g]
        + 1.4 * (demo > 0)
        + 0.45 * np.log1p(key_pages)
        + 0.5 * (webinars > 0)
        + 0.2 * np.log1p(downloads)
        + 0.6 * (meetings > 0)
        + 0.25 * np.log1p(recent)
    )
    created = anchor + ((2.0 + rng.gamma(2.0, 5.0, n)) * US_PER_DAY).astype(np.int64)
    won = (last >= 0) & (rng.random(n) < _sigmoid(logit)) & (created < window.end)
    return Conversions(g[won], created[won], demo[won] > 0)


def opportunities_table(
    rng: np.random.Generator,
    conv: Conversions,
    h: Hidden,
    companies: Companies,
    window: Window,
    n_bad: int,
    n_contacts: int,
) -> pa.Table:
    n = len(conv.contact)
    c = conv.contact
    employees = np.maximum(h.employees[c], 10).astype(np.float64)
    analytics = rng.random(n) < _sigmoid(0.9 * (np.log10(employees) - 3.0))
    amount = 9_000 * (employees / 50) ** 0.35 * rng.lognormal(0.0, 0.35, n) * np.where(analytics, 1.9, 1.0)
    cycle = (np.where(analytics, 40.0, 25.0) + rng.gamma(2.0, np.where(analytics, 30.0, 20.0))) * US_PER_DAY
    closes = conv.created_at + cycle.astype(np.int64)
    closed = closes < window.end
    win_p = _sigmoid(-2.6 + 0.35 * np.clip(h.fit[c], -3.0, 3.5) + 0.5 * conv.demo + 0.4 * h.in_market[c])
    progress = (window.end - conv.created_at) / cycle
    stage = np.where(closed, np.where(rng.random(n) < win_p, 4, 5), np.digitize(progress, [0.25, 0.5, 0.8]))
    touched = conv.created_at + (rng.random(n) * (window.end - conv.created_at)).astype(np.int64)
    updated = np.where(
        closed,
        np.minimum(closes + (rng.random(n) * 2 * US_PER_DAY).astype(np.int64), window.end - 1),
        touched,
    )
    contact_number = c + 1
    bad = rng.choice(n, size=min(n, n_bad), replace=False)
    contact_number[bad] = n_contacts + 1 + rng.integers(0, 1_000_000, len(bad))
    company = h.company[c]
    return pa.Table.from_arrays(
        [
            _ids("O", np.arange(1, n + 1), 7),
            _ids("C", contact_number, 8),
            pc.if_else(
                pa.array(company >= 0),
                companies.ids.take(pa.array(np.maximum(company, 0))),
                pa.scalar(None, pa.string()),
            ),
            _take(PRODUCT_LINES, analytics.astype(np.int64)),
            _take(STAGES, stage),
            pa.array(np.round(amount, -2), pa.float64()),
            _timestamps(conv.created_at),
            _timestamps(closes, mask=~closed),
            _timestamps(updated),
        ],
        schema=SCHEMAS["opportunities"],
    )


# ----------------------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    rows: int = 0
    files: int = 0
    bad: dict[str, int] | None = None

    def line(self, table: str) -> str:
        text = f"{table:<16}{self.rows:>13,} rows {self.files:>4} file(s)"
        if self.bad and any(self.bad.values()):
            text += "  bad rows: " + ", ".join(f"{v:,} {k}" for k, v in self.bad.items())
        return text


class PartWriter:
    """Writes one table as <dir>/part-NNNNN.parquet files of at most rows_per_file rows each."""

    def __init__(
        self,
        directory: Path,
        schema: pa.Schema,
        rows_per_file: int,
        row_group_rows: int,
        dictionary_columns: Sequence[str] | bool = True,
    ) -> None:
        directory.mkdir(parents=True)
        self.directory, self.schema = directory, schema
        self.rows_per_file, self.row_group_rows = rows_per_file, row_group_rows
        self.dictionary_columns = dictionary_columns
        self.summary = Summary()
        self._file_rows = 0
        self._writer = self._open()

    def _open(self) -> pq.ParquetWriter:
        path = self.directory / f"part-{self.summary.files:05d}.parquet"
        self.summary.files += 1
        self._file_rows = 0
        return pq.ParquetWriter(
            path, self.schema, compression="zstd", store_schema=False, use_dictionary=self.dictionary_columns
        )

    def write(self, table: pa.Table) -> None:
        while len(table):
            if self._file_rows >= self.rows_per_file:
                self._writer.close()
                self._writer = self._open()
            part = table.slice(0, self.rows_per_file - self._file_rows)
            self._writer.write_table(part, row_group_size=self.row_group_rows)
            self._file_rows += len(part)
            self.summary.rows += len(part)
            table = table.slice(len(part))

    def close(self) -> Summary:
        self._writer.close()
        return self.summary


def write_table(directory: Path, name: str, table: pa.Table, rows_per_file: int) -> Summary:
    writer = PartWriter(directory / name, SCHEMAS[name], rows_per_file, ROW_GROUP_ROWS)
    writer.write(table)
    return writer.close()


class OutputExistsError(Exception):
    pass


def _check_output_dir(path: Path, force: bool) -> None:
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"--output-dir {path} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise OutputExistsError(f"output directory {path} already contains data; use --force to overwrite it")


def _publish(staging: Path, target: Path) -> None:
    """Move the finished dataset into place, replacing an existing directory (checked by the caller)."""
    if target.exists():
        old = staging.with_name(staging.name + "-old")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old)
    else:
        os.replace(staging, target)


def _handful(n: int, rate: float) -> int:
    return max(1, round(n * rate)) if rate > 0 and n > 0 else 0


def write_events(config: Config, out: Path, hidden: Hidden, window: Window) -> tuple[Summary, Conversions]:
    """Stream all events chunk by chunk; returns their summary and the conversions they drove."""
    n_bad = round(config.events * config.bad_row_rate)
    rng = np.random.default_rng([config.seed, 1])
    counts = rng.multinomial(config.events - n_bad, hidden.weight / hidden.weight.sum())
    bounds = chunk_bounds(counts, config.events_per_chunk)
    bad = bad_rows_per_chunk(rng, n_bad, np.array([counts[lo:hi].sum() for lo, hi in bounds]))
    writer = PartWriter(
        out / "events",
        SCHEMAS["events"],
        config.rows_per_file,
        2 * config.events_per_chunk,
        ["contact_id", "event_type", "url", "content_type"],
    )
    converted, next_id = [], 1
    with tqdm(
        total=config.events,
        unit="events",
        unit_scale=True,
        file=sys.stderr,
        desc="events",
        disable=not config.progress,
    ) as bar:
        for i, (lo, hi) in enumerate(bounds):
            chunk_rng = np.random.default_rng([config.seed, 2, i])
            rows = good_events(chunk_rng, lo, counts[lo:hi], hidden, window)
            converted.append(conversions(chunk_rng, lo, hi - lo, rows, hidden, window))
            if len(rows.contact) == 0:
                continue
            rows, kind, origin = add_bad_rows(chunk_rng, rows, bad[i])
            table, next_id = events_table(
                chunk_rng, rows, kind, origin, _ids("C", np.arange(lo, hi) + 1, 8), next_id, config.contacts
            )
            writer.write(table)
            bar.update(len(table))
    summary = writer.close()
    summary.bad = {BAD_KIND_LABELS[k]: int(bad[:, k].sum()) for k in BAD_KIND_LABELS}
    return summary, Conversions.concat(converted)


def write_dataset(config: Config, out: Path) -> dict[str, Summary]:
    window = Window.from_config(config)
    rng = np.random.default_rng(config.seed)
    companies = build_companies(rng, max(50, config.contacts // 10), window)
    contacts = build_contacts(rng, config.contacts, companies, window)
    changes = simulate_changes(rng, contacts, companies, window)
    make_emails_unique(contacts, companies)
    hidden = build_hidden(rng, contacts, companies, window)

    n_bad_contacts = _handful(config.contacts, config.bad_row_rate)
    summaries = {
        "companies": write_table(out, "companies", companies.table(), config.rows_per_file),
        "contacts": write_table(
            out,
            "contacts",
            contacts_table(rng, contacts, companies, changes, window, n_bad_contacts),
            config.rows_per_file,
        ),
        "contact_changes": write_table(
            out, "contact_changes", changes_table(contacts, companies, changes), config.rows_per_file
        ),
    }
    summaries["contacts"].bad = {"malformed email": n_bad_contacts}
    summaries["events"], conv = write_events(config, out, hidden, window)
    n_bad_opps = _handful(len(conv.contact), config.bad_row_rate)
    opps = opportunities_table(
        np.random.default_rng([config.seed, 3]), conv, hidden, companies, window, n_bad_opps, config.contacts
    )
    summaries["opportunities"] = write_table(out, "opportunities", opps, config.rows_per_file)
    summaries["opportunities"].bad = {"unknown contact_id": n_bad_opps}
    return {name: summaries[name] for name in TABLES}


def generate(config: Config) -> dict[str, Summary]:
    """Write the whole dataset to config.output_dir (atomically); returns a summary per table."""
    target = config.output_dir
    _check_output_dir(target, config.force)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        summaries = write_dataset(config, staging)
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summaries


# ----------------------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _contact_count(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_CONTACTS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_CONTACTS:,} (ids have 8 digits), got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.5, got {value}")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


def parse_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="generate_data.py",
        description="Write synthetic raw B2B marketing/CRM tables (contacts, companies, contact_changes, "
        "events, opportunities) as Parquet files <output-dir>/<table>/part-NNNNN.parquet. "
        "The same options always produce byte-identical files.",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("data/raw"),
        help="directory to write the tables into (default: %(default)s)",
    )
    parser.add_argument(
        "--contacts",
        type=_contact_count,
        default=20_000,
        help="number of contacts; companies are about a tenth of that, at least 50 (default: %(default)s)",
    )
    parser.add_argument(
        "--events",
        type=_non_negative_int,
        default=1_000_000,
        help="exact number of event rows, deliberately bad rows included (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=_non_negative_int,
        default=42,
        help="random seed, a non-negative integer (default: %(default)s)",
    )
    parser.add_argument(
        "--end-date",
        type=_date,
        default=None,
        help="last day of the history, YYYY-MM-DD; no event happens after it (default: today in UTC)",
    )
    parser.add_argument(
        "--days",
        type=_positive_int,
        default=730,
        help="length of the history in days, ending with --end-date (default: %(default)s)",
    )
    parser.add_argument(
        "--bad-row-rate",
        type=_rate,
        default=0.001,
        help="share of events that are deliberately bad (orphan, unknown type, null contact, "
        "duplicate delivery); 0 disables bad rows in all tables (default: %(default)s)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace --output-dir if it already contains data (without it, exit with an error)",
    )
    args = parser.parse_args(argv)
    return Config(
        output_dir=args.output_dir,
        end_date=args.end_date or datetime.now(UTC).date(),
        contacts=args.contacts,
        events=args.events,
        seed=args.seed,
        days=args.days,
        bad_row_rate=args.bad_row_rate,
        force=args.force,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        summaries = generate(config)
    except OutputExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, summary in summaries.items():
        print(summary.line(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
