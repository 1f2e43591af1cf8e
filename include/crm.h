/**
 * @file crm.h
 * @brief crmkit: an embeddable CRM in one SQLite file, for C and anything that can call C.
 *
 * @section contract The contract every function keeps
 *
 * - **Status.** Every function that can fail returns a ::crm_status_t: #CRM_STATUS_OK (0) or why it
 *   failed. The numbers are frozen. After a failure, crm_last_error_message() (or crm_last_error_json())
 *   says what went wrong, naming the argument or field; the message is per thread.
 * - **Arguments.** Input pointers come first, out-parameters last. A NULL where a pointer is required
 *   returns #CRM_STATUS_NULL_ARGUMENT; a parameter documented as optional ("or NULL") may be NULL.
 *   Strings are NUL-terminated UTF-8; anything else returns #CRM_STATUS_INVALID_UTF8.
 * - **Out-parameters** must not be NULL. Each is set to NULL (or 0, false) on entry and written only on
 *   success, so after a failure there is nothing to free.
 * - **Memory.** Every `char *` the library returns is the caller's: free it with crm_string_free().
 *   A handle from crm_open() is freed with crm_close(). crm_version() is static: never free it.
 *   Strings passed in are only read during the call; the library keeps no pointer to them.
 * - **Records are JSON.** Records go in as JSON objects and lists as JSON arrays (anything else is
 *   refused): ids are integers, times RFC 3339 text (`"2026-11-02T09:30:00Z"`; an offset such as
 *   `+02:00` is accepted and stored as UTC; a time without an offset is refused), dates `"YYYY-MM-DD"`,
 *   money decimal text (`"1234.50"`; a JSON integer is read as whole units), codes lowercase
 *   (`"in_progress"`). A field left out of an input object takes its default; an unknown field is
 *   refused. Malformed or mistyped JSON — including money that is not exact decimal text, such as the
 *   float `12.5` or `"1.999"` — returns #CRM_STATUS_INVALID_JSON; the message starts with the path of
 *   the bad field (`new_order_json.lines[0].quantity: invalid type ...`) and crm_last_error_json()
 *   gives that path as `field` (`lines[0].quantity`). Well-formed input that breaks a rule of the CRM
 *   (a negative amount, an empty name) returns #CRM_STATUS_VALIDATION naming the field. An expression
 *   of the segment language that does not parse or check is #CRM_STATUS_VALIDATION too, with field
 *   `expression`, and crm_last_error_json() adds the `line` and `column` it points at.
 * - **Records out.** Every output object has all its fields, in a fixed order, `null` when unset; parse
 *   them by name. The records are described in the section below.
 * - **Time is passed in.** Every command takes `at`, the RFC 3339 time the change happened; the library
 *   never reads the clock, so a replay gives the same store. A change dated before the record's last
 *   change is refused (#CRM_STATUS_VALIDATION, field `at`); years run from 1 to 9999.
 * - **Lists and pages.** Lists are in ascending id order unless a function says otherwise. Paged lists
 *   take `"page": {"after": <the last id seen, or 0>, "limit": <n>}`; a limit of 0 means 100 and more
 *   than 10000 is cut to 10000; a page shorter than the limit is the last.
 * - **One command, one transaction.** A command either fully happens or leaves nothing behind. Several
 *   commands become one with crm_begin() / crm_commit().
 * - **Threads.** One ::crm_t may be used from several threads at once; commands are serialised on the
 *   store's connection. Several processes may open the same file.
 * - **Panics.** A bug inside the library never unwinds into the host: it returns #CRM_STATUS_PANIC.
 *   Rust's default panic hook also prints the panic (with a source location) to stderr.
 *
 * @section records The records
 *
 * - **Lead**: `id`, `status` (new, in_progress, qualified, converted, lost, junk), `channel`,
 *   `source_id`, `received_at`, `name`, `company`, `phone`, `phone_quality`, `email`, `email_quality`,
 *   `messenger`, `need`, `interest`, `region`, `language`, `estimated_value`, `owner_id`, `client_id`,
 *   `deal_id`, `first_response_due`, `first_response_at`, `first_response_by`, `sla_policy` (the name
 *   of the first-response policy that set the deadline), `sla_breached_at` (the deadline, once
 *   crm_run_due() found it passed unanswered), `queued_reason` (why nobody could take it, while it
 *   waits in the queue; else null), `lost_reason`, `junk_kind`, `close_note`, `external_ref`,
 *   `status_changed_at`, `updated_at`. Phones and e-mails are stored as given; their quality is
 *   `valid`, `invalid` (malformed, kept with a warning) or null (absent).
 * - **Client**: `id`, `kind` (company, person), `name`, `tax_id`, `tax_id_quality`, `phone`,
 *   `phone_quality`, `email`, `email_quality`, `website`, `industry`, `region`, `address`, `birth_date`,
 *   `owner_id`, `tags`, `attributes` (any JSON object), `external_ref`, `created_at`, `updated_at`.
 * - **Deal**: `id`, `client_id`, `lead_id`, `title`, `amount`, `stage`, `status` (open, won, lost),
 *   `owner_id`, `expected_close`, `lost_reason`, `lost_note`, `created_at`, `closed_at`,
 *   `stage_changed_at`.
 * - **Order**: `id`, `client_id`, `ordered_at`, `status` (completed, cancelled, returned), `total`,
 *   `lines` (`[{"sku", "quantity", "unit_price"}]`), `deal_id`, `external_ref`.
 * - **Activity**: `id`, `kind` (call, email, meeting, message, note, document), `direction` (in, out),
 *   `lead_id`, `client_id`, `deal_id`, `manager_id`, `at`, `subject`, `body`, `outcome`,
 *   `document_ref`, `duration_seconds`, `offer` (the code of the commercial offer sent), `objection`
 *   (the code of an objection met), `argument` (the code of the argument used against it); the last
 *   three are what crm_offer_report() counts.
 * - **Manager**: `id`, `name`, `email`, `team`, `active`, `capacity` (open leads held at most; null:
 *   no limit), `daily_cap` (requests assigned a day at most; null: no limit), `weight`, `skills`,
 *   `regions`, `languages`, `created_at`. **Source**: `id`, `name`, `channel`, `campaign`, `created_at`.
 * - **Plan** (a manager's monthly sales plan): `manager_id`, `month` (`YYYY-MM`), `revenue` (money),
 *   `deals` (won deals expected). See crm_set_plan() and crm_manager_report().
 * - **Segment** (a saved segment of clients): `id`, `name`, `expression` (as saved), `created_at`,
 *   `updated_at` (when the expression last changed), `refreshed_at` (the `as_of` of the last
 *   crm_refresh_segment(), null before the first), `members` (how many the last refresh found).
 * - **SegmentChange** (what a refresh found): `segment_id`, `name`, `as_of`, `entered` and `left`
 *   (client ids, ascending; at the first refresh every member entered), `members`.
 * - **Field** (of the catalogue crm_segment_fields() returns): `name` (as written in expressions;
 *   `attributes.<key>` stands for any attribute key), `type` (text, choice, integer, money, date, days,
 *   hour, weekday, source, manager, client, tags, attribute, probability), `values` (the codes of a choice, else
 *   `[]`), `nullable` (whether the value may be missing), `doc`.
 * - **Capture** (what crm_capture_lead() returns): `lead` (the stored Lead), `warnings` (`[{"field",
 *   "message"}]`: problems stored anyway), `matches` (Match records: known clients that look like the
 *   sender, best first, scoring at least the `suggest` setting; `[]` when the request named its
 *   `client_id`), `auto_linked` (true when the lead was linked to its best match on its own: that match
 *   scored at least `auto_link` and no other did; the lead's `client_id` is then that client's),
 *   `assignment` (the Assignment: who got the lead and why, or why it is queued). `assignment` is null
 *   when nothing was decided: the same `external_ref` was captured before, or the store has no routing
 *   rule and the request no owner (the host assigns it; routing is on once a rule exists).
 * - **Match** (a client that looks like the same party as a request, a probe or another client):
 *   `client_id`, `score` (a JSON number from 0 to 1, rounded to 4 decimals), `keys` (the fields that
 *   agreed, strongest first: `tax_id`, `phone`, `email`, `name`, `company`, `birth_date`, `address`,
 *   `email_domain`; the explanation of the score). **DuplicatePair**: `a`, `b` (client ids, `a < b`),
 *   `score`, `keys`, as in a Match.
 * - **Probe** (input of crm_find_duplicates(); every field optional): `kind` (company, person), `name`,
 *   `company` (a person's employer), `phone` (any usual format), `email`, `tax_id`, `address`,
 *   `birth_date`.
 * - **Merge** (a merge of two clients, as recorded; enough to undo it): `id`, `kept_id`, `merged_id`,
 *   `at`, `actor`, `filled` (the kept client's fields that were empty and were filled from the merged
 *   one), `conflicts` (MergeConflict records `[{"field", "kept", "merged"}]`: fields where both had a
 *   value and they differed; the kept value stayed), `added_tags` (the tags the kept client gained),
 *   `contact_id` (the contact person made from the merged client's phone and e-mail when they differed,
 *   or null), `moved` (Moved: `{"contacts", "leads", "deals", "activities", "orders", "tasks",
 *   "assignments", "promises", "complaints"}`, the ids of the records that moved to the kept client;
 *   `assignments` are entries of the assignment log, see Assignment), `undone_at` (null until
 *   crm_unmerge()).
 * - **DedupSettings** (stored in the database): `auto_link` (a capture whose only match scoring this
 *   much is linked to it; 0.9), `suggest` (the lowest score returned as a match; 0.5), `key_limit` (a
 *   matching key shared by more clients than this, such as an office phone, stops counting; 20),
 *   `default_country` (ISO 3166 alpha-2: where a phone written without a country code is read; `UA`).
 * - **Assignment** (one decision about who works a lead or a client, with its explanation): `id` (its
 *   id in the assignment log; null when nothing was recorded: crm_assign_client() to the current
 *   owner), `lead_id`, `client_id`, `at`, `manager_id` (null: queued), `previous_id` (the manager
 *   before), `via` (given, owner, rule, queued, queue, escalation, reassign, hand_over), `rule_id`,
 *   `rule` (the routing rule's name), `strategy` (round_robin, least_loaded, weighted), `reason` (why
 *   this manager, or why nobody, for people), `skipped` (`[{"manager_id", "reason", "detail"}]`: the
 *   candidates passed over; `reason` is inactive, excluded, absent, lacking_skill, other_region,
 *   other_language, off_hours, at_capacity or daily_cap, `detail` the figures behind it).
 * - **RoutingRule**: `id`, `name`, `priority`, `when` (the condition about the lead, in canonical form;
 *   null: a catch-all), `team`, `managers` (ids, ascending), `strategy`, `skills`, `match_region`,
 *   `match_language`, `working_hours_only`, `created_at`, `updated_at`.
 * - **SlaPolicy** (a first-response policy): `id`, `name`, `when` (null: the default), `priority`,
 *   `first_response` (canonical text: `2h`, `1h30m`), `first_response_secs` (working time), `at_risk_bp`
 *   (basis points), `escalation` (none, reassign, task), `escalate_to`, `created_at`, `updated_at`.
 * - **SlaStatus**: `lead_id`, `state` (none: no policy applies; pending, at_risk, met, breached),
 *   `policy`, `due`, `responded_at`, `used_secs`, `left_secs` (working time; negative once overdue),
 *   `used_share` (a JSON number; 1.0 = the whole target).
 * - **Absence**: `id`, `manager_id`, `start`, `end` (dates, inclusive), `reason`, `created_at`.
 * - **Task**: `id`, `kind` (a code: `sla_escalation`, a missed first response; `queued_lead`, a lead
 *   waits for a manager; `complaint_escalation`, a complaint deadline missed; `promise`, a promise
 *   coming due; a retention rule's `task_kind`; or any code given to crm_add_task()), `title`,
 *   `manager_id`, `client_id`, `lead_id`, `deal_id`, `due_at`, `status` (open, done, cancelled),
 *   `origin` (what made it: `sla:lead:4`, `complaint:3:resolution`, `promise:5`,
 *   `rule:1:client:7:2026-11-27`; one task per origin; null for a task added by hand), `created_at`,
 *   `closed_at` (null while open; see crm_close_task() and crm_complete_task()), `rule_id` (the
 *   retention rule that made it), `promise_id` (the promise it reminds of), `complaint_id` (the
 *   complaint it escalates), `outcome` (what came of it, from crm_complete_task()), `activity_id` (the
 *   activity that recorded the outcome).
 * - **HandOver** (what crm_hand_over() did): `manager_id`, `assignments` (Assignments, leads first, each
 *   by id), `deals_moved` (deal ids). **DueRun** (what crm_run_due() did): `at`, `breached` (lead ids),
 *   `escalations` (Assignments), `tasks` (Tasks), `assigned` (Assignments of queued leads),
 *   `complaints_breached` (`[{"complaint_id", "milestone", "due", "escalated_to"}]`),
 *   `promises_reminded` and `promises_broken` (promise ids), `dormancy` (`[{"client_id", "from",
 *   "to"}]`: moves on the dormancy ladder), `fired` (RuleFire records `[{"rule_id", "rule",
 *   "client_id", "task_id"}]`: what the retention rules did).
 * - **Promise** (made to a client; see crm_promise()): `id`, `client_id`, `manager_id` (who made it),
 *   `what`, `made_at`, `due_at`, `activity_id` (where it was made), `status` (open, kept, broken,
 *   cancelled), `closed_at` (when kept, broken or cancelled), `note` (the note given when kept, or the
 *   reason given when cancelled), `reminded_at` (when crm_run_due() made its reminder task).
 * - **Complaint** (see crm_open_complaint()): `id`, `client_id`, `order_id`, `subject`, `body`,
 *   `priority` (low, normal, high, critical), `status` (open, in_progress, resolved, closed, rejected),
 *   `owner_id`, `opened_at`, `response_due` (the first-response deadline), `responded_at`,
 *   `response_breached_at` (the deadline, once crm_run_due() found it missed), `resolution_due` (moves
 *   on by the paused working time), `resolved_at`, `resolution_breached_at`, `paused_at` (since when it
 *   waits for the client; null when not waiting), `paused_secs` (working seconds waited so far),
 *   `resolve_secs` (working seconds from opening to resolution less the paused time), `resolution`,
 *   `rejection` (why it was rejected), `closed_at` (closed or rejected), `updated_at`.
 * - **RetentionRule** (see crm_add_retention_rule()): `id`, `name`, `condition` (about clients, in
 *   canonical form), `action` (`{"kind": "task", "task_kind", "title", "due_in", "to"}`, `{"kind":
 *   "tag", "tag"}`, `{"kind": "mailing", "segment"}` or `{"kind": "reassign", "manager"}`),
 *   `cooldown_days`, `daily_limit` (clients per owner per UTC day; null: no limit), `active`,
 *   `created_at`, `updated_at`.
 * - **OwnershipSettings** (stored in the database): `lock_days` (a client stays locked to its owner this
 *   many days after its last meaningful contact; 30; 0: no lock).
 * - **CalendarSpec** (a working calendar, as given and as stored): `{"timezone": "Europe/Kyiv",
 *   "working_hours": {"mon-fri": [["09:00", "18:00"]]}, "holidays": ["2026-12-25"], "days":
 *   {"2026-12-31": [["09:00", "16:00"]]}}`: an IANA time zone (`UTC` when left out); working spans by
 *   weekday key (`mon`, `mon-fri`, `sat,sun`), local `HH:MM` pairs; holidays are days off; `days` are
 *   special days with their own spans (`[]`: a day off), which win over holidays and weekdays. See
 *   crm_set_calendar().
 * - **Event** (the audit trail and change feed): `seq` (strictly increasing, never reused), `at`,
 *   `actor`, `entity`, `entity_id`, `kind`, `data`. Kinds: `created`, `captured`, `recorded`, `opened`,
 *   `logged` (data: the record as stored), `updated` (data: the fields that changed), `status_changed`
 *   (a lead: `from`, `to`, `reason`, `note`, ...; an order: its new status), `stage_changed`, `won`,
 *   `lost`, `first_response`, `active_changed`, `set` (the pipeline), `relabelled` (a lost reason);
 *   on a segment `deleted` and `refreshed` (`entered`, `left`, `members`: counts); on a client
 *   `segment_entered` and `segment_left` (`segment_id`, `segment`: its name), `merged` (on the kept
 *   client; data: the Merge record), `merged_away` (on the merged one: `merge_id`, `kept_id`),
 *   `unmerged` (on the kept client: `merge_id`, `merged_id`, `kept_later`: the fields changed since the
 *   merge that kept their later value) and `restored` (on the merged one: `merge_id`, `kept_id`); on a
 *   contact `deleted` (the contact a merge made, removed by its undo: `merge_id`); on `settings` (id 0)
 *   `dedup_set` (data: the DedupSettings) and `match_keys_rebuilt` (`clients`: how many).
 *   Distribution: on a lead `assigned` and `queued` (data: the Assignment) and `sla_breached` (`due`,
 *   `owner_id`, `policy`, `escalation`, and `not_reassigned`, the reason, when a reassignment found
 *   nobody); on a client `owner_changed` (`from`, `to`, `reason`, `forced`); on a deal `owner_changed`
 *   (`from`, `to`, `reason`: a deal that followed its client in a hand-over); on a manager `updated`
 *   (the fields that changed), `plan_set` (`old`: the Plan it replaced, or null; `new`: the Plan) and
 *   `plan_removed` (the Plan), `calendar_set` (the CalendarSpec, or null), `absence_added` and
 *   `absence_removed` (the Absence), `handed_over` (`leads`, `clients`, `deals`: counts); on a
 *   `routing_rule` and an `sla_policy` `created`, `replaced` and `deleted` (data: the record); on a task
 *   `created` (the Task), `closed` (`status`, and `promise_id` when a promise closed it), `completed`
 *   (`outcome`, `note`, `activity_id`) and `rescheduled` (`from`, `to`); on `settings` `calendar_set`
 *   (the store's calendar) and `ownership_set` (the OwnershipSettings).
 *   Retention: on a promise `made` (the Promise), `kept` (`note`), `cancelled` (`reason`), `reminded`
 *   (`due_at`, `task_id`) and `broken` (`due_at`, `manager_id`); on a complaint `opened` (the
 *   Complaint), `taken` (`owner_id`, `responded_at`), `waiting` (`resolution_due`, `responded_at`),
 *   `resumed` (`paused_at`, `paused_secs`, `resolution_due`),
 *   `resolved` (`resolution`, `resolve_secs`, `within_sla`), `closed`, `rejected` (`reason`),
 *   `reopened` (`resolution_due`, `old_resolution`), `assigned` (`from`, `to`) and `sla_breached`
 *   (`milestone`, `due`, `owner_id`, `escalated_to`, `task_id`); on a `retention_rule` `created` (the
 *   rule), `replaced` (`old`, `new`), `active_changed` (`active`) and `removed` (the rule); on a client
 *   `dormancy` (`from`, `to`, `expected_gap_days`, `last_purchase`: a move on the dormancy ladder) and
 *   `retention_rule_fired` (`rule_id`, `rule`, `action`, and `task_id`, `tag`, or `from` and `to`); on
 *   `settings` `promise_settings_set` (the settings), `complaint_sla_set` (the settings) and
 *   `dormancy_set` (`old`, `new`).
 *
 * @section segments The segment language
 *
 * One small expression language selects clients (segments for mailings, reactivation, retention) and
 * states conditions on leads (routing, response times):
 * @code
 * orders >= 2 and days_since_last_order > 90 and region in ('Kyiv', 'Lviv')
 * has tag 'vip' or revenue_365d >= 100000
 * name contains 'ромашка' and not (owner is null)
 * channel in ('web', 'phone') and hour between 9 and 17
 * @endcode
 * - **Conditions**: `field op value` with `=`, `!=` (`<>`), `<`, `<=`, `>`, `>=`; `in (v, ...)`,
 *   `not in`; `between low and high` (both ends included), `not between`; `contains 'x'` and
 *   `starts with 'x'` (case-insensitive; `not contains`, `not starts with`); `is null`, `is not null`;
 *   `has tag 'vip'`. Combined with `and`, `or`, `not` and parentheses (`and` binds tighter).
 * - **Values**: text in single quotes (`'O''Brien'`), numbers (`1500.50`; money is compared exactly),
 *   dates (`2026-11-01`), durations (`90d`, `2w`), `90d ago` (before the evaluation date), `true`,
 *   `false`. A manager or a source is named by id or by its name in quotes. Keywords and field names
 *   are case-insensitive; `--` starts a comment.
 * - **Fields** depend on the subject, `clients` or `leads`: crm_segment_fields() lists them with their
 *   types (clients: `name`, `region`, `tags`, `revenue`, `revenue_90d`, `orders`, `last_order`,
 *   `days_since_last_order`, `attributes.<key>`, ...; leads: `channel`, `source`, `interest`, `hour`,
 *   `weekday`, ...). crm_check_expression() checks an expression and gives its canonical form.
 * - **Meaning**: a test on a missing value is unknown, with SQL's logic (`region != 'Kyiv'` leaves out
 *   clients without a region); a record matches only when the whole condition is true. Everything
 *   relative (`days_since_last_order`, `revenue_90d`, `90d ago`) is taken from `as_of`, the evaluation
 *   time every such function takes; order figures count completed orders placed by then.
 * - **Errors** say what and where (#CRM_STATUS_VALIDATION, field `expression`):
 *   `expression: unknown field 'regoin' for clients at 1:1; did you mean 'region'?`, and
 *   crm_last_error_json() has `"line": 1, "column": 1` (the column counted in characters).
 * - **Limits**: an expression is at most 65536 bytes, 64 levels deep, 1000 conditions and 10000
 *   values; a larger one is refused with an error. Its values reach SQL only as bound parameters.
 *
 * @section duplicates Duplicates
 *
 * Clients are matched on what identifies a party: tax id, phones (read as E.164, a number without a
 * country code in the `default_country` setting: `067 123-45-67` is `+380671234567`), e-mails, company
 * names without their legal form, persons' names (word order, case, Cyrillic or Latin script do not
 * matter: `Петренко Іван` is `Ivan Petrenko`), date of birth and address. Each field that agrees or
 * disagrees adds or takes evidence; the score is from 0 to 1 (a phone alone gives about 0.92, a name
 * alone 0.5, a name with a date of birth 0.99), and a Match lists the fields that agreed. Candidates are
 * found through indexed keys, so a check costs the same in a base of any size.
 * - **On capture** crm_capture_lead() returns the matches and links the lead to a client on its own
 *   when exactly one match reaches `auto_link`; a weaker one is left for a person to decide.
 * - **On demand** crm_find_duplicates() (a probe), crm_client_duplicates() (a stored client) and
 *   crm_duplicate_pairs() (the whole base, for a clean-up).
 * - **Merging** crm_merge_clients() moves everything of one client to another and records how;
 *   crm_unmerge() undoes it exactly. A merged-away client is #CRM_STATUS_NOT_FOUND, with a message that
 *   says `merged into client <id>`.
 *
 * @section example A first program
 * @code
 * crm_t *crm = NULL;
 * char *capture = NULL;
 * if (crm_open("shop.crm", &crm) != CRM_STATUS_OK) { ... crm_last_error_message() ... }
 * crm_status_t st = crm_capture_lead(crm,
 *     "{\"channel\": \"web\", \"name\": \"Ivan\", \"phone\": \"+380671234567\"}",
 *     "2026-11-02T09:30:00Z", &capture);
 * if (st == CRM_STATUS_OK) { puts(capture); crm_string_free(capture); }
 * crm_close(crm);
 * @endcode
 * examples/c/quickstart.c is the whole story: a lead, its conversion, an order, the client's history.
 */


#ifndef CRM_H
#define CRM_H

/* Generated by cbindgen from crm-ffi; do not edit by hand (scripts/test.sh checks it). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * An open store (opaque). Get one from crm_open(), free it with crm_close(). Thread-safe: one handle
 * may be used from several threads at once.
 */
typedef struct crm crm_t;

/**
 * The version of the ABI this header describes. It grows when a function's signature or meaning
 * changes incompatibly; adding a function or a status code does not change it. Compare it with
 * crm_abi_version() to check that the library loaded is the one the host was built for.
 */
#define CRM_ABI_VERSION 1

/**
 * What a call did: `CRM_STATUS_OK` (0) or why it failed. The numbers are frozen: a new status is added
 * at the end, a retired one stays reserved, none is ever renumbered. After a failure,
 * `crm_last_error_message()` says what went wrong.
 */
typedef enum {
  /**
   * The call succeeded and wrote its out-parameters.
   */
  CRM_STATUS_OK = 0,
  /**
   * A required pointer argument was NULL (the message names it).
   */
  CRM_STATUS_NULL_ARGUMENT = 1,
  /**
   * A string argument was not valid UTF-8 (the message names it).
   */
  CRM_STATUS_INVALID_UTF8 = 2,
  /**
   * A JSON argument was malformed or had a field of the wrong type, an unknown field or a missing
   * required field; the message gives the path of the bad field (`lead_json.lines[0].quantity`).
   */
  CRM_STATUS_INVALID_JSON = 3,
  /**
   * The input broke a rule of the CRM (a lead nobody can be reached at, a negative amount, a time
   * that is not RFC 3339); the message names the field and the rule. Nothing was written.
   */
  CRM_STATUS_VALIDATION = 4,
  /**
   * A record the call refers to does not exist.
   */
  CRM_STATUS_NOT_FOUND = 5,
  /**
   * A lead or deal cannot go from its current state to the one asked for (winning a lost deal).
   */
  CRM_STATUS_INVALID_TRANSITION = 6,
  /**
   * The call contradicts what is stored (an external reference reused with other content, a
   * duplicate source); nothing was written.
   */
  CRM_STATUS_CONFLICT = 7,
  /**
   * The database failed (I/O, a full disk, a corrupt or foreign file, a file that cannot be opened),
   * or an export could not be written to its file (the message starts with `i/o:`).
   */
  CRM_STATUS_STORAGE = 8,
  /**
   * The file was written by a newer crmkit; it was left untouched.
   */
  CRM_STATUS_SCHEMA_TOO_NEW = 9,
  /**
   * A bug inside the library was caught at the boundary; the handle is still usable, nothing of the
   * failed command was written.
   */
  CRM_STATUS_PANIC = 10,
  /**
   * The call is not allowed in the handle's current state (a second `crm_begin` on the thread that
   * has a transaction open, `crm_commit` without one).
   */
  CRM_STATUS_MISUSE = 11,
} crm_status_t;

/**
 * A progress callback: called with the rows done and the rows in the file after each chunk of rows
 * (about every 1%, at least every 10 000 rows) and once at the end with `(total, total)`. Returning
 * `false` cancels the import: nothing is written and the report says `"cancelled": true`. Inside a
 * transaction (crm_begin()) it is called from the library's transaction thread while the calling
 * thread waits for the import.
 */
typedef bool (*crm_progress_fn)(uint64_t done, uint64_t total, void *user_data);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The version of the library (`"0.1.0"`), static: do not free it.
 */
const char *crm_version(void);

/**
 * The ABI version of the library loaded; equal to `CRM_ABI_VERSION` of the header it was built with.
 */
uint32_t crm_abi_version(void);

/**
 * The message of the last failed call on this thread (`"phone: is too short"`), or NULL when no call
 * on this thread has failed yet. A successful call leaves it as it was, so read it right after the
 * failure. The string is a copy the caller owns: free it with crm_string_free().
 */
char *crm_last_error_message(void);

/**
 * The last failed call on this thread as JSON, or NULL when none has failed yet:
 * `{"status": 4, "kind": "validation", "field": "phone", "message": "phone: is too short"}` (`field`
 * is null unless a validation error names one). An error in an expression of the segment language
 * also has `"line"` and `"column"` (1-based numbers, the column counted in characters) of the place it
 * points at: `{"status": 4, "kind": "validation", "field": "expression", "message": "expression:
 * unknown field 'regoin' for clients at 1:1; did you mean 'region'?", "line": 1, "column": 1}`; no
 * other error has them. Free it with crm_string_free().
 */
char *crm_last_error_json(void);

/**
 * Frees a string the library returned (every `char *` out-parameter, crm_last_error_message() and
 * crm_last_error_json()).
 * NULL is ignored. Do not free a string twice, nor one from crm_version().
 */
void crm_string_free(char *string);

/**
 * Raises a deliberate panic inside the library and catches it at the boundary, as every function
 * would catch a bug: it returns CRM_STATUS_PANIC and sets the last error message. A host may call it
 * once to check that its build of the library catches panics (a library built with `panic = "abort"`
 * would end the process instead).
 */
crm_status_t crm_check_panic_boundary(void);

/**
 * ABC analysis of the clients who bought in a period: ranked by revenue (or by the number of orders),
 * largest first (equal values by client id), each classed A, B or C by the cumulative share of the
 * total. Completed orders only; a client without one in the period is not listed. Over all history, or
 * a period of whole months, it reads the rollups, not the orders.
 *
 * @param query_json   `{"start": "2026-01-01", "end": "2026-12-31", "measure": "revenue", "a": 0.80,
 *                     "b": 0.95, "rule": "inclusive"}`, every field optional; NULL means `{}`.
 *                     `start` and `end` are UTC days, inclusive (left out: from the first order, to
 *                     the last). `measure` is `revenue` (the default) or `orders`. `a` and `b` are
 *                     where classes A and B end, as shares of the total (numbers from 0 to 1, `a` at
 *                     most `b`; 0.80 and 0.95 by default), else CRM_STATUS_VALIDATION with field `a` or
 *                     `b`; `end` before `start` is CRM_STATUS_VALIDATION with field `end`. `rule` says
 *                     which cumulative share decides a row's class: `inclusive` (the default: the share
 *                     up to and including the row, so the row that crosses 80 % is B), `exclusive` (the
 *                     share before the row: the row that crosses a threshold stays in the upper class)
 *                     or `tie_group` (the share at the end of the row's group of equal values: equal
 *                     values, equal class)
 * @param report_json  receives `{"rows": [{"client_id": 7, "value": "13990.93", "share": 0.0056,
 *                     "cumulative_share": 0.0056, "class": "A"}, ...], "summary": {"a": {"count": 2,
 *                     "value": "1200.00", "share": 0.8}, "b": {...}, "c": {...}}}`: rows in rank order;
 *                     `value` is the revenue as decimal text with measure `revenue`, the number of
 *                     orders (a JSON integer) with measure `orders`; shares are JSON numbers from 0 to 1
 *                     (0 when the total is 0); `class` is `"A"`, `"B"` or `"C"`
 */
crm_status_t crm_abc(const crm_t *crm,
                     const char *query_json,
                     char **report_json);

/**
 * XYZ analysis: how steady each client's demand is, by the coefficient of variation (population
 * standard deviation over the mean) of its revenue per calendar month (UTC) over a window; a month
 * without an order counts as 0. A client whose first order falls inside the window is measured from
 * that month on; one measured over fewer than 3 months, or without revenue in the window, gets no
 * class. A CV up to `x` is X (steady), up to `y` Y (fluctuating), above Z (irregular).
 *
 * @param query_json   `{"start": "2026-01-01", "end": "2026-12-31", "x": 0.10, "y": 0.25}`, every field
 *                     optional; NULL means `{}`. The window is the calendar months from `start`'s to
 *                     `end`'s, each counted whole (left out: the twelve months ending with the month of
 *                     the last order). `x` must be at least 0 and `y` at least `x`, else
 *                     CRM_STATUS_VALIDATION with field `x` or `y`
 * @param report_json  receives `{"months": ["2026-01", ..., "2026-12"], "rows": [{"client_id": 1,
 *                     "periods": 12, "mean": "1250.00", "cv": 0.083, "class": "X"}, ...]}`: every
 *                     client with revenue in the window, by id; `periods` the months it was measured
 *                     over, `mean` its mean revenue per month (decimal text, rounded to the cent),
 *                     `cv` a JSON number (null without revenue), `class` `"X"`, `"Y"`, `"Z"` or null
 *                     (too little to say). An empty store gives `{"months": [], "rows": []}`
 */
crm_status_t crm_xyz(const crm_t *crm,
                     const char *query_json,
                     char **report_json);

/**
 * The ABC×XYZ matrix over one period: ABC by revenue in the period, XYZ over the period's months, and
 * per cell the clients and their revenue in the period.
 *
 * @param query_json   `{"abc": {"start": "2026-01-01", "end": "2026-12-31", "a": 0.8, "b": 0.95,
 *                     "rule": "inclusive"}, "xyz": {"x": 0.1, "y": 0.25}}`, every field optional;
 *                     NULL means `{}`. The fields are those of crm_abc() and crm_xyz(); the period is
 *                     `abc`'s `start` and `end` (the XYZ window is its months: `xyz`'s own `start` and
 *                     `end` are ignored), and the measure is always revenue
 * @param matrix_json  receives `{"months": ["2026-01", ...], "cells": [{"abc": "A", "xyz": "X",
 *                     "clients": 3, "revenue": "15000.00"}, ...]}`: twelve cells, always all of them,
 *                     in the order A-X, A-Y, A-Z, A-null, B-X, ... C-null; `xyz` null is the column of
 *                     the clients XYZ cannot class (too few months); `revenue` decimal text
 */
crm_status_t crm_abc_xyz(const crm_t *crm,
                         const char *query_json,
                         char **matrix_json);

/**
 * RFM analysis as of a day: for every client with a completed order by then, recency (days from the
 * UTC day of its last completed order to `as_of`), frequency (completed orders) and monetary (their
 * revenue), a score 1..5 for each (5 the best: the most recent, the most frequent, the most), and the
 * named segment of the R and F scores. Orders after `as_of` are not seen.
 *
 * @param query_json   `{"as_of": "2026-12-31", "tie_rule": "ntile", "thresholds": null}`; `as_of`
 *                     (`YYYY-MM-DD`) is required, so the query is too (NULL is
 *                     CRM_STATUS_NULL_ARGUMENT). Scores are quintiles of the clients by default, with
 *                     `tie_rule` `ntile` (SQL `NTILE(5)`: every score the same size ±1, equal values
 *                     split by client id; the default) or `tie_shared` (equal values share a score).
 *                     `thresholds` gives fixed bounds instead, four ascending per measure:
 *                     `{"recency_days": [30, 90, 180, 365], "frequency": [2, 3, 5, 10], "monetary":
 *                     ["100.00", "500.00", "1000.00", "5000.00"]}` (recency at most the first bound
 *                     scores 5, more than the last 1; frequency and monetary below the first bound
 *                     score 1, at least the last 5; monetary bounds are money)
 * @param report_json  receives `{"as_of": "2026-12-31", "rows": [{"client_id": 1, "recency_days": 12,
 *                     "frequency": 3, "monetary": "745.90", "r_score": 5, "f_score": 4, "m_score": 4,
 *                     "segment": "champions"}, ...], "segments": [{"segment": "champions", "clients":
 *                     4, "monetary": "9000.00"}, ...]}`: rows by client id; `segments` lists all eight,
 *                     best first, even empty ones: `champions`, `loyal`, `potential`, `new`, `at_risk`,
 *                     `cant_lose`, `hibernating`, `lost`
 */
crm_status_t crm_rfm(const crm_t *crm,
                     const char *query_json,
                     char **report_json);

/**
 * The probability that each client is still active, and the purchases it is expected to make: the
 * BG/NBD model (Fader, Hardie and Lee, 2005) fitted by maximum likelihood on the store's own history of
 * completed orders up to `as_of`. A purchase is a distinct UTC day with a completed order; time is in
 * days.
 *
 * @param query_json   `{"as_of": "2026-12-31", "horizon_days": 90}`; `as_of` (`YYYY-MM-DD`, the end of
 *                     the observation, inclusive) is required, so the query is too (NULL is
 *                     CRM_STATUS_NULL_ARGUMENT); `horizon_days` (90 by default) is the period after
 *                     `as_of` that `expected` counts purchases over. No completed order by `as_of`, or a
 *                     history the model cannot be fitted on, is CRM_STATUS_VALIDATION with field `as_of`
 * @param report_json  receives `{"as_of": "2026-12-31", "horizon_days": 90, "params": {"r": 0.27,
 *                     "alpha": 41.9, "a": 0.48, "b": 2.11}, "log_likelihood": -9582.4, "rows":
 *                     [{"client_id": 1, "x": 2, "t_x": 30.0, "age": 120.0, "p_alive": 0.83, "expected":
 *                     0.41}, ...]}`: the fitted parameters (`alpha` in days) and one row per client with
 *                     a purchase by `as_of`, by id: `x` repeat purchases (purchase days − 1), `t_x` days
 *                     from the first purchase to the last, `age` days from the first purchase to
 *                     `as_of`, `p_alive` from 0 to 1, `expected` purchase days in the horizon; all JSON
 *                     numbers
 */
crm_status_t crm_p_alive(const crm_t *crm,
                         const char *query_json,
                         char **report_json);

/**
 * Repeat purchases over a period: the clients with a completed order in it, those with two or more,
 * the rate, the orders, their revenue and the average order.
 *
 * @param period_json  `{"start": "2026-01-01", "end": "2026-12-31"}` (UTC days, inclusive), either
 *                     optional (open); NULL means `{}` (all history). `end` before `start` is
 *                     CRM_STATUS_VALIDATION with field `end`
 * @param report_json  receives `{"clients": 10, "repeat_clients": 4, "repeat_rate": 0.4, "orders": 17,
 *                     "revenue": "8200.00", "average_order": "482.35"}`: `repeat_rate` a JSON number
 *                     (null without clients), `revenue` and `average_order` decimal text (the average
 *                     rounded half away from zero to the cent; null without orders)
 */
crm_status_t crm_repeat_sales(const crm_t *crm,
                              const char *period_json,
                              char **report_json);

/**
 * The product pairs bought by the same clients: from each client's set of products (the `sku` of the
 * lines of its completed orders in the period), every directional rule "bought X → also bought Y"
 * that at least `min_count` clients support, best first.
 *
 * @param query_json   `{"period": {"start": "2026-01-01", "end": "2026-12-31"}, "min_count": 2}`, every
 *                     field optional; NULL means `{}` (all history, at least 2 clients). A `min_count`
 *                     of 0 is taken as 1
 * @param report_json  receives `{"clients": 120, "rules": [{"if_bought": "SKU-1", "then": "SKU-2",
 *                     "count": 14, "support": 0.1167, "confidence": 0.7, "lift": 2.9}, ...]}`:
 *                     `clients` those with a completed order with lines in the period; per rule `count`
 *                     the clients who bought both, `support` = count / clients, `confidence` = count /
 *                     the clients who bought `if_bought`, `lift` = confidence / the share of clients
 *                     who bought `then` (JSON numbers)
 */
crm_status_t crm_product_pairs(const crm_t *crm,
                               const char *query_json,
                               char **report_json);

/**
 * What to offer a client next: the products it has never bought (in any completed order, at any
 * time), best first, each with the pair rule that suggests it (rules learned as crm_product_pairs()
 * learns them, from `query_json`'s period).
 *
 * @param client_id         the client; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param query_json        as crm_product_pairs()'s; NULL means `{}`
 * @param limit             the most suggestions returned
 * @param suggestions_json  receives `[{"product": "SKU-2", "because": {"if_bought": "SKU-1", "then":
 *                          "SKU-2", "count": 14, "support": 0.1167, "confidence": 0.7, "lift": 2.9}},
 *                          ...]`, at most `limit`; `[]` when nothing fits
 */
crm_status_t crm_cross_sell(const crm_t *crm,
                            int64_t client_id,
                            const char *query_json,
                            uint32_t limit,
                            char **suggestions_json);

/**
 * Gives an internal extension to a manager: calls the PBX reports with this extension are that
 * manager's (the activity an answered call becomes is theirs). An extension belongs to one manager:
 * setting it again for another moves it. Logs a `phone_extension_set` event on `settings` (id 0; data:
 * the extension); setting it again for the same manager changes nothing.
 *
 * @param manager_id      the manager, active: CRM_STATUS_NOT_FOUND when there is none with this id,
 *                        CRM_STATUS_VALIDATION with field `manager` when inactive
 * @param extension       the extension as the PBX sends it (`101`); empty is CRM_STATUS_VALIDATION with
 *                        field `extension`
 * @param at              RFC 3339 time of the change
 * @param extension_json  receives `{"extension": "101", "manager_id": 2, "set_at": ...}`
 */
crm_status_t crm_set_phone_extension(crm_t *crm,
                                     int64_t manager_id,
                                     const char *extension,
                                     const char *at,
                                     char **extension_json);

/**
 * Removes an extension; calls already recorded keep their manager. Logs a `phone_extension_removed`
 * event on `settings` (data: the extension as it was).
 *
 * @param extension       the extension; CRM_STATUS_NOT_FOUND when nobody has it
 * @param at              RFC 3339 time of the change
 * @param extension_json  receives the extension as it was (see crm_set_phone_extension())
 */
crm_status_t crm_remove_phone_extension(crm_t *crm,
                                        const char *extension,
                                        const char *at,
                                        char **extension_json);

/**
 * Every extension, by extension.
 *
 * @param extensions_json  receives a JSON array of extensions (see crm_set_phone_extension())
 */
crm_status_t crm_list_phone_extensions(const crm_t *crm, char **extensions_json);

/**
 * Sets up a line (or replaces its set-up): the marketing source its number is advertised in (a lead
 * from a missed call on it gets that source) and how soon a missed call on it must be called back, in
 * working time of the owner's calendar (theirs, else the store's, else round the clock). A line not
 * set up has no source and a call-back deadline of `1h`. Logs a `phone_line_set` event on `settings`.
 *
 * @param line_json  `{"line": "+380441112233", "source_id": 1, "callback_within": "30m"}`; `line` is
 *                   required (the line as the PBX names it), `source_id` must exist
 *                   (CRM_STATUS_NOT_FOUND), `callback_within` is hours and minutes of working time
 *                   (`30m`, `1h`, `2h30m`; default `1h`), else CRM_STATUS_VALIDATION with field
 *                   `callback_within`
 * @param at         RFC 3339 time of the change
 * @param out_json   receives `{"line": ..., "source_id": 1, "callback_within": "30m", "set_at": ...}`
 */
crm_status_t crm_set_phone_line(crm_t *crm,
                                const char *line_json,
                                const char *at,
                                char **out_json);

/**
 * Every line set up, by line.
 *
 * @param lines_json  receives a JSON array of lines (see crm_set_phone_line())
 */
crm_status_t crm_list_phone_lines(const crm_t *crm, char **lines_json);

/**
 * Records one call event from the PBX; the event carries its own time. Each (call_id, event) is applied
 * once: a repeat returns the call as stored and writes nothing, so a bridge may resend after a
 * failure. Events may come in any order.
 *
 * What a call becomes: the outside number is matched (as a phone of the store's default country) to
 * a client, else to an open lead with that phone. An answered call becomes one `call` activity when it
 * ends, on the lead or client, by the manager of the extension (else the owner); an outbound one is a
 * lead's first response. An inbound call missed (`missed`, or `finished` without `answered`) must be
 * called back within the line's `callback_within`: from an unknown number it becomes a lead (channel
 * `phone`, the line's source) with that first-response deadline; from a client or an open lead, a
 * `call_back` task for its owner. A second missed call while the first still waits is linked to it
 * (`linked_to`) and makes nothing new. A later outbound call to the number, client or lead is the
 * call-back (`called_back_at`; the task is done). An answered call from an unknown number makes no
 * activity and no lead. An extension nobody has is kept without a manager (refused in strict mode).
 * Logs call events `created`, `answered`, `missed`, `completed`, `updated`, `called_back`.
 *
 * @param event_json  `{"call_id": "1732701234.17", "event": "answered", "at": "2026-11-02T08:00:12Z",
 *                    "direction": "in", "caller": "+380671234567", "line": "+380441112233",
 *                    "extension": "101", "duration_seconds": 288, "recording": "rec/17.mp3"}`;
 *                    `call_id`, `event` (started, answered, missed, finished), `at` and `caller` (the
 *                    outside party's number for both directions) are required, `direction` is in
 *                    (default) or out. An unknown field or event is CRM_STATUS_INVALID_JSON; an
 *                    empty `call_id`, a `caller` that is not a phone number, a negative
 *                    `duration_seconds` CRM_STATUS_VALIDATION naming the field; the same `call_id`
 *                    with another caller or direction CRM_STATUS_CONFLICT
 * @param call_json   receives the Call: `{"id": 1, "call_id": ..., "direction": "in", "caller": ...,
 *                    "line": ..., "extension": "101", "manager_id": 2, "status": "completed" (ringing,
 *                    answered, missed, completed), "started_at": ..., "answered_at": ..., "ended_at":
 *                    ..., "duration_seconds": 288, "recording": ..., "client_id": 1, "lead_id": null,
 *                    "activity_id": 5, "task_id": null, "callback_due": null, "called_back_at": null,
 *                    "linked_to": null}`
 */
crm_status_t crm_record_call(crm_t *crm,
                             const char *event_json,
                             char **call_json);

/**
 * One call.
 *
 * @param call_id    the store's id of the call (`id`, not the PBX's `call_id`); CRM_STATUS_NOT_FOUND
 *                   when there is none
 * @param call_json  receives the Call (see crm_record_call())
 */
crm_status_t crm_get_call(const crm_t *crm,
                          int64_t call_id,
                          char **call_json);

/**
 * A page of calls, by id; every filter given must hold.
 *
 * @param query_json  `{"client_id": 1, "lead_id": 2, "line": "+380441112233", "status": "missed",
 *                    "page": {"after": 0, "limit": 100}}`, every field optional; NULL means `{}`
 * @param calls_json  receives a JSON array of Calls (see crm_record_call())
 */
crm_status_t crm_list_calls(const crm_t *crm, const char *query_json, char **calls_json);

/**
 * The call report: inbound calls started in `[start, end)` by line and hour of the day (in the store
 * calendar's time zone; UTC without one) — where the lines are overloaded. A missed call counts as
 * called back in time when the first call-back (an outbound call to it, or an outbound call activity
 * on its client or lead after it) came by its deadline.
 *
 * @param query_json   `{"start": "2026-11-02T00:00:00Z", "end": "2026-11-03T00:00:00Z", "line":
 *                     "+380441112233"}`; `start` and `end` required, `line` optional; `end` not after
 *                     `start` is CRM_STATUS_VALIDATION with field `end`
 * @param report_json  receives `{"rows": [{"line": "+380441112233", "hour": 10, "calls": 3,
 *                     "answered": 2, "missed": 1, "called_back_in_time": 1, "called_back_late": 0,
 *                     "not_called_back": 0, "answer_rate": 0.6667, "median_wait_seconds": 20}, ...],
 *                     "total": {the same figures without line and hour}}`; rows by line (calls
 *                     without a line, `line` null, last), then hour, only those with calls;
 *                     `answer_rate` is null without calls, `median_wait_seconds` (start to answer, the
 *                     lower middle) null without answered calls
 */
crm_status_t crm_call_report(const crm_t *crm,
                             const char *query_json,
                             char **report_json);

/**
 * Records a promise made to a client ("send the corrected invoice by Friday"). crm_run_due() follows
 * it up: once its due time is less than `remind_before` away (see crm_set_promise_settings()) the
 * manager who made it gets a reminder task (kind `promise`, due at the promise's due time), and once
 * the due time has passed while it is still open it is `broken`. Logs a promise `made` event (data: the
 * Promise).
 *
 * @param new_promise_json  `{"client_id": 1, "what": "send the corrected invoice", "due_at":
 *                          "2026-11-27T15:00:00Z", "manager_id": 2, "activity_id": 7}`; `client_id`,
 *                          `what` and `due_at` are required. `manager_id` is who made it (active; the
 *                          client's owner when left out), `activity_id` the call or e-mail where it
 *                          was made (one of the same client's, else CRM_STATUS_VALIDATION with field
 *                          `activity_id`). An empty `what` is CRM_STATUS_VALIDATION with field `what`,
 *                          a `due_at` before `at` one with field `due_at`; an unknown client, manager or
 *                          activity is CRM_STATUS_NOT_FOUND
 * @param at                RFC 3339 time the promise was made
 * @param promise_json      receives the stored Promise: `{"id": 1, "client_id": 1, "manager_id": 2,
 *                          "what": ..., "made_at": ..., "due_at": ..., "activity_id": 7, "status":
 *                          "open", "closed_at": null, "note": null, "reminded_at": null}`
 */
crm_status_t crm_promise(crm_t *crm,
                         const char *new_promise_json,
                         const char *at,
                         char **promise_json);

/**
 * Marks an open promise kept, with an optional note; its reminder task, if still open, is done. Logs a
 * promise `kept` event (data: `{"note": ...}`). Keeping a kept promise again changes nothing (the
 * promise as stored is returned); keeping a broken or cancelled one is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param promise_id    the promise; CRM_STATUS_NOT_FOUND when there is none
 * @param note          free text, or NULL
 * @param at            RFC 3339 time it was kept
 * @param promise_json  receives the promise as stored now (`status` `kept`, `closed_at`, `note`)
 */
crm_status_t crm_keep_promise(crm_t *crm,
                              int64_t promise_id,
                              const char *note,
                              const char *at,
                              char **promise_json);

/**
 * Cancels an open promise (withdrawn with the client's agreement, say); its reminder task, if still
 * open, is cancelled. A cancelled promise counts neither as kept nor as broken (see
 * crm_manager_report()'s `promises_kept`). Logs a promise `cancelled` event (data: `{"reason": ...}`).
 * Cancelling it again changes nothing; cancelling a kept or broken one is
 * CRM_STATUS_INVALID_TRANSITION.
 *
 * @param promise_id    the promise; CRM_STATUS_NOT_FOUND when there is none
 * @param reason        why, required: an empty or blank reason is CRM_STATUS_VALIDATION with field
 *                      `reason`; it is kept as the promise's `note`
 * @param at            RFC 3339 time of the change
 * @param promise_json  receives the promise as stored now
 */
crm_status_t crm_cancel_promise(crm_t *crm,
                                int64_t promise_id,
                                const char *reason,
                                const char *at,
                                char **promise_json);

/**
 * Sets how promises are followed up. Logs a `promise_settings_set` event on `settings` (id 0).
 *
 * @param settings_json      `{"remind_before": "24h"}` (the default): how long before a promise's due
 *                           time its maker gets the reminder task, as round-the-clock time in hours
 *                           and minutes (`24h`, `2h30m`, `45m`); more than zero and at most `10000h`,
 *                           days are refused, else CRM_STATUS_VALIDATION with field `remind_before`
 * @param at                 RFC 3339 time of the change
 * @param new_settings_json  receives the settings now in force, the duration in canonical form
 *                           (`{"remind_before": "2h30m"}`)
 */
crm_status_t crm_set_promise_settings(crm_t *crm,
                                      const char *settings_json,
                                      const char *at,
                                      char **new_settings_json);

/**
 * One promise.
 *
 * @param promise_id    the promise; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param promise_json  receives the Promise (see crm_promise())
 */
crm_status_t crm_get_promise(const crm_t *crm, int64_t promise_id, char **promise_json);

/**
 * A page of promises, by id; every filter given must hold.
 *
 * @param query_json     `{"client_id": 1, "manager_id": 2, "status": "open", "page": {"after": 0,
 *                       "limit": 100}}`, every field optional; NULL means `{}`. `status` is open, kept,
 *                       broken or cancelled
 * @param promises_json  receives a JSON array of Promises (see crm_promise())
 */
crm_status_t crm_list_promises(const crm_t *crm,
                               const char *query_json,
                               char **promises_json);

/**
 * How promises are followed up: the stored settings, or the defaults until crm_set_promise_settings()
 * is called.
 *
 * @param settings_json  receives `{"remind_before": "24h"}`
 */
crm_status_t crm_promise_settings(const crm_t *crm,
                                  char **settings_json);

/**
 * Opens a complaint from a client. Its two deadlines are the targets of its priority (see
 * crm_set_complaint_sla()) counted from `at` in working time of its owner's calendar (theirs, else the
 * store's, else round the clock in UTC). crm_run_due() marks a passed deadline breached and escalates
 * it into a task. Logs a complaint `opened` event (data: the Complaint).
 *
 * The lifecycle: `open` → crm_take_complaint() → `in_progress` → crm_resolve_complaint() → `resolved`
 * → crm_close_complaint() → `closed` (final), or crm_reopen_complaint() back to `in_progress`; an open
 * or in-progress complaint may be rejected (crm_reject_complaint(): `rejected`, final). While it waits
 * for the client (crm_wait_for_client() … crm_resume_complaint()) its resolution clock stands still.
 *
 * @param new_complaint_json  `{"client_id": 1, "subject": "damaged parcel", "body": "...",
 *                            "priority": "high", "order_id": 12, "owner_id": 2}`; `client_id` and
 *                            `subject` are required. `priority` is low, normal (the default), high or
 *                            critical (any other is CRM_STATUS_INVALID_JSON with field `priority`);
 *                            `owner_id` who handles it (active; the client's owner when left out);
 *                            `order_id` the order it is about (the client's, else CRM_STATUS_VALIDATION
 *                            with field `order_id`). An empty subject is CRM_STATUS_VALIDATION with
 *                            field `subject`; an unknown client, order or manager CRM_STATUS_NOT_FOUND
 * @param at                  RFC 3339 time it came in
 * @param complaint_json      receives the stored Complaint: `{"id": 1, "client_id": 1, "order_id": 12,
 *                            "subject": ..., "body": ..., "priority": "high", "status": "open",
 *                            "owner_id": 2, "opened_at": ..., "response_due": ..., "responded_at": null,
 *                            "response_breached_at": null, "resolution_due": ..., "resolved_at": null,
 *                            "resolution_breached_at": null, "paused_at": null, "paused_secs": 0,
 *                            "resolve_secs": null, "resolution": null, "rejection": null, "closed_at":
 *                            null, "updated_at": ...}` (see the Complaint record above)
 */
crm_status_t crm_open_complaint(crm_t *crm,
                                const char *new_complaint_json,
                                const char *at,
                                char **complaint_json);

/**
 * Takes an open complaint in work (→ `in_progress`): its first response (`responded_at`). Logs a
 * complaint `taken` event. Any other status is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_take_complaint(crm_t *crm,
                                int64_t complaint_id,
                                const char *at,
                                char **complaint_json);

/**
 * Waits for the client (a question asked, documents requested): the resolution clock stops, and
 * `paused_at` is set, until crm_resume_complaint(). Counts as the first response when there was none;
 * an open complaint goes `in_progress`. Logs a complaint `waiting` event. Waiting while waiting, or on
 * a complaint that is resolved or final, is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_wait_for_client(crm_t *crm,
                                 int64_t complaint_id,
                                 const char *at,
                                 char **complaint_json);

/**
 * Resumes work on a complaint waiting for the client: `resolution_due` moves on by the working time
 * the pause took, which is added to `paused_secs`; `paused_at` is cleared. Logs a complaint `resumed`
 * event (data: `paused_at`, `paused_secs`, `resolution_due`). A complaint that is not waiting is
 * CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_resume_complaint(crm_t *crm,
                                  int64_t complaint_id,
                                  const char *at,
                                  char **complaint_json);

/**
 * Resolves an open or in-progress complaint (→ `resolved`); a pause still running ends here. Records
 * `resolved_at`, the `resolution` and `resolve_secs` (working seconds from opening, less the paused
 * time). Logs a complaint `resolved` event (data: `resolution`, `resolve_secs`, `within_sla`). Any other
 * status is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param resolution      what was done, required: an empty or blank one is CRM_STATUS_VALIDATION with
 *                        field `resolution`
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_resolve_complaint(crm_t *crm,
                                   int64_t complaint_id,
                                   const char *resolution,
                                   const char *at,
                                   char **complaint_json);

/**
 * Closes a resolved complaint (→ `closed`, final; `closed_at` set). Logs a complaint `closed` event.
 * Any other status is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_close_complaint(crm_t *crm,
                                 int64_t complaint_id,
                                 const char *at,
                                 char **complaint_json);

/**
 * Rejects an open or in-progress complaint as unfounded (→ `rejected`, final; `rejection` and
 * `closed_at` set). Logs a complaint `rejected` event (data: `{"reason": ...}`). Any other status is
 * CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param reason          why, required: an empty or blank reason is CRM_STATUS_VALIDATION with field
 *                        `reason`
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_reject_complaint(crm_t *crm,
                                  int64_t complaint_id,
                                  const char *reason,
                                  const char *at,
                                  char **complaint_json);

/**
 * Reopens a resolved complaint (the client says it is not fixed; → `in_progress`). Resolved in time,
 * it gets the working time that was left of its resolution deadline, counted from now; resolved late,
 * its priority's full resolution target afresh. The time it sat resolved counts as paused; `resolution`,
 * `resolved_at` and `resolve_secs` are cleared. Logs a complaint `reopened` event (data:
 * `resolution_due`, `old_resolution`). Any other status is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_reopen_complaint(crm_t *crm,
                                  int64_t complaint_id,
                                  const char *at,
                                  char **complaint_json);

/**
 * Gives a complaint that is not final (open, in progress or resolved) to another manager; its
 * deadlines stay. Logs a complaint `assigned` event (data: `from`, `to`). Giving it to its owner
 * changes nothing; a closed or rejected complaint is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
 * @param manager_id      the new owner, an active manager: CRM_STATUS_NOT_FOUND when there is none with
 *                        this id, CRM_STATUS_VALIDATION with field `manager` when inactive
 * @param at              RFC 3339 time of the change
 * @param complaint_json  receives the complaint as stored now
 */
crm_status_t crm_assign_complaint(crm_t *crm,
                                  int64_t complaint_id,
                                  int64_t manager_id,
                                  const char *at,
                                  char **complaint_json);

/**
 * Sets the complaint deadlines per priority and who gets the escalation tasks of breaches. Complaints
 * already open keep their deadlines. Logs a `complaint_sla_set` event on `settings` (id 0; data: the
 * settings).
 *
 * @param sla_json      `{"low": {"first_response": "8h", "resolution": "40h"}, "normal": {...}, "high":
 *                      {...}, "critical": {"first_response": "1h", "resolution": "8h"},
 *                      "escalate_to": 1}`; a priority left out takes its default (low 8h / 40h, normal
 *                      4h / 24h, high 2h / 16h, critical 1h / 8h), a priority given needs both targets.
 *                      The targets are working time in hours and minutes (`4h`, `1h30m`; days are
 *                      refused: a working day has no fixed length), more than zero, the resolution not
 *                      shorter than the first response; else CRM_STATUS_VALIDATION naming the field
 *                      (`high.resolution`). `escalate_to` is the manager (active) who gets the
 *                      escalation tasks; null or left out: the complaint's owner
 * @param at            RFC 3339 time of the change
 * @param new_sla_json  receives the settings now in force, in the same shape
 */
crm_status_t crm_set_complaint_sla(crm_t *crm,
                                   const char *sla_json,
                                   const char *at,
                                   char **new_sla_json);

/**
 * One complaint.
 *
 * @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param complaint_json  receives the Complaint (see crm_open_complaint())
 */
crm_status_t crm_get_complaint(const crm_t *crm, int64_t complaint_id, char **complaint_json);

/**
 * A page of complaints, by id; every filter given must hold.
 *
 * @param query_json       `{"client_id": 1, "owner_id": 2, "status": "in_progress", "page": {"after":
 *                         0, "limit": 100}}`, every field optional; NULL means `{}`. `status` is open,
 *                         in_progress, resolved, closed or rejected
 * @param complaints_json  receives a JSON array of Complaints (see crm_open_complaint())
 */
crm_status_t crm_list_complaints(const crm_t *crm,
                                 const char *query_json,
                                 char **complaints_json);

/**
 * The complaint deadlines per priority: the stored ones, or the defaults until crm_set_complaint_sla()
 * is called.
 *
 * @param sla_json  receives the settings (see crm_set_complaint_sla()): `{"low": {"first_response":
 *                  "8h", "resolution": "40h"}, "normal": {"first_response": "4h", "resolution": "24h"},
 *                  "high": {"first_response": "2h", "resolution": "16h"}, "critical":
 *                  {"first_response": "1h", "resolution": "8h"}, "escalate_to": null}`
 */
crm_status_t crm_complaint_sla(const crm_t *crm,
                               char **sla_json);

/**
 * The complaints of whole UTC days: in total, per priority and per owner, how many were opened and
 * answered by their first-response deadline, resolved and resolved by their resolution deadline,
 * rejected, and how long resolving took.
 *
 * @param query_json   `{"start": "2026-11-01", "end": "2026-11-30"}`, both required; `end` before
 *                     `start`, or a period longer than ten years, is CRM_STATUS_VALIDATION with field
 *                     `end`
 * @param report_json  receives `{"start": ..., "end": ..., "total": Figures, "by_priority": [{"key":
 *                     "low", "figures": Figures}, ...], "by_owner": [{"key": 2, "figures": Figures},
 *                     ..., {"key": null, ...}]}`. Figures: `{"opened": 4, "responded_within_sla": 3,
 *                     "resolved": 2, "resolved_within_sla": 1, "resolved_within_sla_share": 0.5,
 *                     "rejected": 1, "median_resolve_secs": 5400, "p90_resolve_secs": 7200}`: `opened`
 *                     counts the complaints opened in the period, `resolved` and `rejected` those
 *                     resolved or rejected in it; the share is a JSON number (null when nothing was
 *                     resolved); the times are working seconds less the paused time, by nearest rank
 *                     (null when nothing was resolved). Every priority is listed, low to critical;
 *                     owners by id, only those with figures, complaints without an owner (`key` null)
 *                     last
 */
crm_status_t crm_complaint_report(const crm_t *crm,
                                  const char *query_json,
                                  char **report_json);

/**
 * Adds a sales manager.
 *
 * @param new_manager_json  `{"name": "Olena Koval", "email": ..., "team": "sales", "capacity": 40,
 *                          "daily_cap": 10, "weight": 1, "skills": [...], "regions": [...],
 *                          "languages": [...], "active": true}`; only `name` is required. `capacity`
 *                          (open leads held) and `daily_cap` (requests assigned a day, in the
 *                          manager's calendar) limit what routing gives them (see
 *                          crm_add_routing_rule()); left out, there is no limit
 * @param at                RFC 3339 time of the change
 * @param manager_json      receives the stored manager (with its `id`)
 */
crm_status_t crm_add_manager(crm_t *crm,
                             const char *new_manager_json,
                             const char *at,
                             char **manager_json);

/**
 * Marks a manager active or inactive (an inactive manager gets no new work).
 *
 * @param manager_json  receives the manager as stored now
 */
crm_status_t crm_set_manager_active(crm_t *crm,
                                    int64_t manager_id,
                                    bool active,
                                    const char *at,
                                    char **manager_json);

/**
 * Adds a marketing source. A second source with the same name and campaign is CRM_STATUS_CONFLICT.
 *
 * @param new_source_json  `{"name": "Google Ads", "channel": "ads", "campaign": "winter"}`; channel is
 *                         one of phone, web, email, shop, ads, referral, cold_call, walk_in,
 *                         messenger, other; `name` and `channel` are required
 * @param source_json      receives the stored source (with its `id`)
 */
crm_status_t crm_add_source(crm_t *crm,
                            const char *new_source_json,
                            const char *at,
                            char **source_json);

/**
 * Records money spent on a source.
 *
 * @param new_spend_json  `{"source_id": 1, "on": "2026-11-01", "amount": "1200.00", "note": ...}`; all
 *                        but `note` are required
 * @param spend_json      receives the stored spend (with its `id`)
 */
crm_status_t crm_add_spend(crm_t *crm,
                           const char *new_spend_json,
                           const char *at,
                           char **spend_json);

/**
 * Adds a lost reason to the catalogue, or relabels an existing code. The catalogue starts with price,
 * competitor, no_budget, no_need, no_answer, timing and other.
 *
 * @param code              lowercase letters, digits and `_` (`too_far`)
 * @param label             what people read (`Too far away`)
 * @param lost_reason_json  receives `{"code": ..., "label": ...}`
 */
crm_status_t crm_add_lost_reason(crm_t *crm,
                                 const char *code,
                                 const char *label,
                                 const char *at,
                                 char **lost_reason_json);

/**
 * Replaces the deal pipeline with the stages given, in order. A stage that open deals are still in
 * cannot be removed (CRM_STATUS_CONFLICT). `won` and `lost` are not stages: they are final statuses.
 *
 * @param stages_json    `[{"code": "proposal", "label": "Proposal sent", "probability": 40}, ...]`
 * @param pipeline_json  receives the stored stages, in order
 */
crm_status_t crm_set_pipeline(crm_t *crm,
                              const char *stages_json,
                              const char *at,
                              char **pipeline_json);

/**
 * Adds a client. A malformed phone, e-mail or tax id is stored with quality `invalid` (refused in
 * strict mode). An external reference already used by another client is CRM_STATUS_CONFLICT.
 *
 * @param new_client_json  `{"kind": "company", "name": "Romashka LLC", "tax_id": ..., "phone": ...,
 *                         "email": ..., "website": ..., "industry": ..., "region": ..., "address": ...,
 *                         "birth_date": "1980-05-17", "owner_id": 1, "tags": ["vip"],
 *                         "attributes": {...}, "external_ref": "1C-000123"}`; only `name` is required
 *                         (`kind` defaults to company)
 * @param client_json      receives the stored client (with its `id`)
 */
crm_status_t crm_add_client(crm_t *crm,
                            const char *new_client_json,
                            const char *at,
                            char **client_json);

/**
 * Changes a client's details: a field the patch leaves out stays as it is, a field set to null is
 * cleared. `name` and `kind` cannot be cleared (null leaves them as they are); `tags` and `attributes`
 * are cleared with `[]` and `{}`. A patch that changes nothing writes nothing.
 *
 * @param patch_json   the fields of crm_add_client() to change, e.g. `{"phone": "+380671234567",
 *                     "website": null}`
 * @param client_json  receives the client as stored now
 */
crm_status_t crm_update_client(crm_t *crm,
                               int64_t client_id,
                               const char *patch_json,
                               const char *at,
                               char **client_json);

/**
 * Adds a contact person to a client.
 *
 * @param new_contact_json  `{"client_id": 1, "name": "Ivan Petrenko", "position": "buyer",
 *                          "phones": [...], "emails": [...]}`; `client_id` and `name` are required
 * @param contact_json      receives the stored contact (with its `id`)
 */
crm_status_t crm_add_contact(crm_t *crm,
                             const char *new_contact_json,
                             const char *at,
                             char **contact_json);

/**
 * Captures an incoming request as a new lead.
 *
 * Refused (CRM_STATUS_VALIDATION) only when the request is meaningless: no way at all to reach the
 * person. A malformed phone or e-mail is kept with quality `invalid` and a warning; a source, owner or
 * client that does not exist is dropped with a warning (strict mode refuses these instead). Capturing
 * the same `external_ref` again returns the stored lead (a form sent twice is one request; the time is
 * not compared); the same reference with other details is CRM_STATUS_CONFLICT.
 *
 * A request that does not name its client is matched against the known clients (see "Duplicates"
 * above): the matches come back in `matches`, and when exactly one reaches the `auto_link` setting the
 * lead is linked to that client (`auto_linked` is true), as if the request had named it.
 *
 * Then it is assigned: to the `owner_id` it names, else to its client's owner when that owner is
 * available, else by the routing rules (see crm_add_routing_rule()); when nobody can take it, it is
 * queued (its `owner_id` is null and `queued_reason` says why; see crm_queue()). Routing is on once
 * the store has a routing rule: without any, a lead with no owner is left for the host to assign
 * (not queued, no decision recorded). The first-response policy that applies (see
 * crm_set_response_sla()) sets its `first_response_due` and `sla_policy`.
 *
 * @param new_lead_json  `{"channel": "web", "source_id": 1, "name": "Ivan Petrenko", "company": ...,
 *                       "phone": "067 123 45 67", "email": ..., "messenger": ..., "need": ...,
 *                       "interest": ..., "region": ..., "language": ..., "estimated_value": "18000.00",
 *                       "owner_id": ..., "client_id": ..., "external_ref": ...}`. `channel` is required
 *                       (a code as in crm_add_source()); so is at least one way to reach the person:
 *                       `phone`, `email`, `messenger` or `client_id` (else CRM_STATUS_VALIDATION with
 *                       field `contact`)
 * @param at             RFC 3339 time the request came in
 * @param capture_json   receives `{"lead": {"id": 1, "status": "new", ...}, "warnings": [{"field":
 *                       "phone", "message": ...}], "matches": [{"client_id": 3, "score": 0.9526, "keys":
 *                       ["phone"]}], "auto_linked": true, "assignment": {"manager_id": 2, "via":
 *                       "rule", "rule": ..., "reason": ..., "skipped": [...], ...}}` (see the Capture
 *                       record above; `assignment` is the Assignment of crm_lead_assignments(), null
 *                       when nothing was decided: the same `external_ref` was captured before, or
 *                       the store has no routing rule and the lead has no owner)
 */
crm_status_t crm_capture_lead(crm_t *crm,
                              const char *new_lead_json,
                              const char *at,
                              char **capture_json);

/**
 * Starts work on a new lead (new → in_progress). Logging the first outbound activity does this too.
 *
 * @param lead_json  receives the lead as stored now
 */
crm_status_t crm_start_lead(crm_t *crm,
                            int64_t lead_id,
                            const char *at,
                            char **lead_json);

/**
 * Marks a lead in progress as qualified: a real need with a budget. Only a qualified lead converts.
 *
 * @param lead_json  receives the lead as stored now
 */
crm_status_t crm_qualify_lead(crm_t *crm, int64_t lead_id, const char *at, char **lead_json);

/**
 * Brings a lost or junk lead back to work (→ in_progress); its lost reason is cleared.
 *
 * @param lead_json  receives the lead as stored now
 */
crm_status_t crm_reopen_lead(crm_t *crm, int64_t lead_id, const char *at, char **lead_json);

/**
 * Loses a lead. The reason is mandatory: a code from the lost-reason catalogue (see
 * crm_lost_reasons()).
 *
 * @param reason     the lost-reason code (`price`)
 * @param note       free text, or NULL
 * @param lead_json  receives the lead as stored now
 */
crm_status_t crm_lose_lead(crm_t *crm,
                           int64_t lead_id,
                           const char *reason,
                           const char *note,
                           const char *at,
                           char **lead_json);

/**
 * Marks a lead as junk.
 *
 * @param kind       `spam`, `test` or `duplicate`
 * @param note       free text, or NULL
 * @param lead_json  receives the lead as stored now
 */
crm_status_t crm_junk_lead(crm_t *crm,
                           int64_t lead_id,
                           const char *kind,
                           const char *note,
                           const char *at,
                           char **lead_json);

/**
 * Converts a qualified lead: links its client (the one given, the lead's own, or a new one made from
 * the lead's details) and opens a deal in the pipeline's first stage (or the one given).
 *
 * @param options_json     `{"client_id": 7, "amount": "18000.00", "title": ..., "stage": ...}`, every
 *                         field optional; NULL means `{}`
 * @param conversion_json  receives `{"lead_id": 1, "client_id": 1, "deal_id": 1, "client_created":
 *                         true, "client": {...}}`
 */
crm_status_t crm_convert_lead(crm_t *crm,
                              int64_t lead_id,
                              const char *options_json,
                              const char *at,
                              char **conversion_json);

/**
 * Logs a call, e-mail, meeting, message, note or document sent. A direction is required except for a
 * note (none) and a document (out unless said); the lead, client and deal given must belong together.
 * The earliest outbound contact on an open lead is its first response (when and by whom), and moves a
 * new lead to in_progress.
 *
 * @param new_activity_json  `{"kind": "call", "direction": "out", "lead_id": 1, "client_id": ...,
 *                           "deal_id": ..., "manager_id": 1, "subject": ..., "body": ..., "outcome":
 *                           ..., "document_ref": ..., "duration_seconds": 120, "offer":
 *                           "KP-wholesale-2026", "objection": "too_expensive", "argument":
 *                           "delivery_included"}`; `kind` is required. `offer` (the code of the
 *                           commercial offer or template sent), `objection` (the code of an objection
 *                           met) and `argument` (the code of the argument used against it), at most 200
 *                           characters each, are what crm_offer_report() counts
 * @param activity_json      receives the stored activity (with its `id`)
 */
crm_status_t crm_log_activity(crm_t *crm,
                              const char *new_activity_json,
                              const char *at,
                              char **activity_json);

/**
 * Opens a deal with a known client (a repeat sale); converting a lead opens one too.
 *
 * @param new_deal_json  `{"client_id": 1, "title": "Second office", "amount": "5000.00", "owner_id":
 *                       ..., "stage": ..., "expected_close": "2026-12-20"}`; `client_id` and `title` are
 *                       required; `amount` defaults to 0.00 and `stage` to the pipeline's first
 * @param deal_json      receives the stored deal (with its `id`)
 */
crm_status_t crm_open_deal(crm_t *crm,
                           const char *new_deal_json,
                           const char *at,
                           char **deal_json);

/**
 * Moves an open deal to another stage of the pipeline (forward or back).
 *
 * @param stage      a stage code of the pipeline (`proposal`)
 * @param deal_json  receives the deal as stored now
 */
crm_status_t crm_move_deal(crm_t *crm,
                           int64_t deal_id,
                           const char *stage,
                           const char *at,
                           char **deal_json);

/**
 * Changes an open deal's title, amount, owner or expected close date; a field left out stays, a field
 * set to null is cleared. A closed deal does not change (CRM_STATUS_CONFLICT).
 *
 * @param patch_json  `{"title": ..., "amount": "21000.00", "owner_id": ..., "expected_close": ...}`
 * @param deal_json   receives the deal as stored now
 */
crm_status_t crm_update_deal(crm_t *crm,
                             int64_t deal_id,
                             const char *patch_json,
                             const char *at,
                             char **deal_json);

/**
 * Wins an open deal (final).
 *
 * @param deal_json  receives the deal as stored now
 */
crm_status_t crm_win_deal(crm_t *crm, int64_t deal_id, const char *at, char **deal_json);

/**
 * Loses an open deal (final). The reason is mandatory: a code from the lost-reason catalogue.
 *
 * @param reason     the lost-reason code (`competitor`)
 * @param note       free text, or NULL
 * @param deal_json  receives the deal as stored now
 */
crm_status_t crm_lose_deal(crm_t *crm,
                           int64_t deal_id,
                           const char *reason,
                           const char *note,
                           const char *at,
                           char **deal_json);

/**
 * Records an order placed at `at`. Idempotent by `external_ref`: the same order recorded twice is
 * stored once and the stored one is returned; the same reference with other content is
 * CRM_STATUS_CONFLICT. A completed order updates the client's purchase totals at once.
 *
 * @param new_order_json  `{"client_id": 1, "total": "245.90", "lines": [{"sku": "SKU-1", "quantity":
 *                        2, "unit_price": "100.00"}], "status": "completed", "deal_id": ...,
 *                        "external_ref": "WEB-5531"}`; `client_id` and `total` are required; the lines,
 *                        when given, must add up to the total; `status` defaults to completed
 * @param order_json      receives the stored order (with its `id`)
 */
crm_status_t crm_record_order(crm_t *crm,
                              const char *new_order_json,
                              const char *at,
                              char **order_json);

/**
 * Records many orders in one transaction (an ERP exchange, a shop's backlog): far faster than one call
 * per order. Each item is checked on its own, so a bad item is reported at its position and the good
 * ones are kept; only a storage failure fails the whole call (and then nothing is kept).
 *
 * @param orders_json   `[{"at": "2026-11-02T09:30:00Z", "order": {...as crm_record_order()...}}, ...]`
 * @param results_json  receives one entry per item, in the order given: `{"order": {...}}` or
 *                      `{"error": {"status": 4, "kind": "validation", "field": "total", "message":
 *                      "..."}}` (an item that is not a valid JSON order gets status 3, invalid_json)
 */
crm_status_t crm_record_orders(crm_t *crm,
                               const char *orders_json,
                               char **results_json);

/**
 * Changes an order's status (a cancellation, a return, or back to completed); the client's purchase
 * totals follow at once.
 *
 * @param status      `completed`, `cancelled` or `returned`
 * @param order_json  receives the order as stored now
 */
crm_status_t crm_set_order_status(crm_t *crm,
                                  int64_t order_id,
                                  const char *status,
                                  const char *at,
                                  char **order_json);

/**
 * Merges client `merge` into client `keep`: the merged client's contact persons, leads, deals,
 * activities, orders, tasks, promises and complaints move to the kept one (and the retention rules'
 * record of what they did to it, so their cool-downs carry over), its tags are added, the kept client's empty fields are
 * filled from it (where both have a value and they differ, the kept one stays and the pair is listed in
 * `conflicts`; the merged client's own phone and e-mail then become a contact person of the kept
 * client), purchase totals are recomputed, and the merged client is no longer listed: reading it is
 * CRM_STATUS_NOT_FOUND with a message that says `merged into client <keep> by merge <id>`. Everything
 * needed to undo it is recorded (see crm_unmerge()). The kept client's history gets a `merged` event
 * (data: the Merge record), the merged one's a `merged_away` event (`merge_id`, `kept_id`).
 *
 * @param keep        the client that stays; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param merge       the client merged into it; the same id as `keep` is CRM_STATUS_VALIDATION with
 *                    field `merge`; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param at          RFC 3339 time of the merge
 * @param merge_json  receives the stored merge (see the Merge record above): `{"id": 1, "kept_id": 3,
 *                    "merged_id": 7, "at": ..., "actor": ..., "filled": ["email"], "conflicts":
 *                    [{"field": "phone", "kept": ..., "merged": ...}], "added_tags": ["vip"],
 *                    "contact_id": 12, "moved": {"contacts": [], "leads": [4], "deals": [], "activities":
 *                    [], "orders": [9], "tasks": [], "assignments": [], "promises": [2], "complaints":
 *                    []}, "undone_at": null}`
 */
crm_status_t crm_merge_clients(crm_t *crm,
                               int64_t keep,
                               int64_t merge,
                               const char *at,
                               char **merge_json);

/**
 * Undoes a merge: the merged client comes back under its old id with its own details (crm_get_client()
 * gives what it gave before the merge), the records that moved go back, the kept client's filled
 * fields and gained tags are taken back (a field changed since the merge keeps its later value, named
 * in the event's `kept_later`), and the contact person the merge made is removed. Records created after
 * the merge stay with the kept client. The kept client's history gets an `unmerged` event (`merge_id`,
 * `merged_id`, `kept_later`), the restored one's a `restored` event (`merge_id`, `kept_id`).
 *
 * @param merge_id    the merge's id (from crm_merge_clients() or crm_list_merges());
 *                    CRM_STATUS_NOT_FOUND when there is none. CRM_STATUS_CONFLICT when it was undone
 *                    already, when the kept client was merged again since (undo that merge first), or
 *                    when another client has taken the merged client's `external_ref`
 * @param at          RFC 3339 time of the undo
 * @param merge_json  receives the merge as stored now, with `undone_at` set
 */
crm_status_t crm_unmerge(crm_t *crm,
                         int64_t merge_id,
                         const char *at,
                         char **merge_json);

/**
 * Changes how duplicates are found. The settings are stored in the database, so every program that
 * opens it matches alike. A change of `default_country` recomputes every stored phone's normal form
 * and every matching key in the same transaction (as crm_rebuild_match_keys()). Settings equal to the
 * stored ones change nothing; others log a `dedup_set` event on `settings` 0 (data: the settings).
 *
 * @param new_settings_json  the fields to change, any of `{"auto_link": 0.9, "suggest": 0.5,
 *                           "key_limit": 20, "default_country": "UA"}` (the defaults); a field left out
 *                           (or null) keeps its stored value. `auto_link` and `suggest` are numbers
 *                           from 0 to 1 and `suggest` must not be above `auto_link`; `key_limit` is
 *                           from 1 to 10000; `default_country` is an ISO 3166 alpha-2 code, any case.
 *                           A rule broken is CRM_STATUS_VALIDATION naming the field
 * @param at                 RFC 3339 time of the change
 * @param settings_json      receives the settings as stored now (the country in upper case; see the
 *                           DedupSettings record above)
 */
crm_status_t crm_set_dedup_settings(crm_t *crm,
                                    const char *new_settings_json,
                                    const char *at,
                                    char **settings_json);

/**
 * Recomputes the normal forms of every client's phone, e-mail and tax id and every lead's phone and
 * e-mail, and every client's matching keys: after an upgrade of the normalisation rules, say. Logs a
 * `match_keys_rebuilt` event on `settings` 0 (data: `{"clients": <count>}`).
 *
 * @param at     RFC 3339 time of the rebuild
 * @param count  receives the number of clients whose keys were rebuilt
 */
crm_status_t crm_rebuild_match_keys(crm_t *crm,
                                    const char *at,
                                    int64_t *count);

/**
 * How duplicates are found: the stored settings, or the defaults until crm_set_dedup_settings() is
 * called.
 *
 * @param settings_json  receives `{"auto_link": 0.9, "suggest": 0.5, "key_limit": 20,
 *                       "default_country": "UA"}` (see the DedupSettings record above)
 */
crm_status_t crm_dedup_settings(const crm_t *crm, char **settings_json);

/**
 * The clients that look like the party a probe describes (before adding a client, say), scoring at
 * least the `suggest` setting: best first, then by id. Nothing is written.
 *
 * @param probe_json    `{"kind": "person", "name": "Ivan Petrenko", "company": ...,
 *                      "phone": "067 123 45 67", "email": ..., "tax_id": ..., "address": ...,
 *                      "birth_date": "1980-05-17"}` (see the Probe record above), every field
 *                      optional; a probe with no usable detail is CRM_STATUS_VALIDATION with field
 *                      `probe`
 * @param matches_json  receives `[{"client_id": 3, "score": 0.9526, "keys": ["phone", "name"]}, ...]`
 *                      (see the Match record above); `[]` when nothing scores high enough
 */
crm_status_t crm_find_duplicates(const crm_t *crm,
                                 const char *probe_json,
                                 char **matches_json);

/**
 * The other clients that look like one client (its own details and its contact persons'), as
 * crm_find_duplicates() finds them: best first, then by id; never the client itself.
 *
 * @param client_id     the client; CRM_STATUS_NOT_FOUND when there is none with this id (or it was
 *                      merged away: the message says into which client)
 * @param matches_json  receives a JSON array of matches (see the Match record above)
 */
crm_status_t crm_client_duplicates(const crm_t *crm, int64_t client_id, char **matches_json);

/**
 * Every pair of clients that look like the same party, scoring at least `min_score`: best first, then
 * by ids. For a clean-up of the whole base: candidates come from shared matching keys (a key shared by
 * more than `key_limit` clients is left out), so the work grows with the base, not with its square.
 *
 * @param min_score   the lowest score listed, from 0 to 1 (0.5 lists what a capture would suggest);
 *                    anything else, NaN included, is CRM_STATUS_VALIDATION with field `min_score`
 * @param pairs_json  receives `[{"a": 3, "b": 7, "score": 0.9526, "keys": ["phone", "name"]}, ...]`
 *                    with `a < b` (see the DuplicatePair record above)
 */
crm_status_t crm_duplicate_pairs(const crm_t *crm,
                                 double min_score,
                                 char **pairs_json);

/**
 * One merge, undone or not.
 *
 * @param merge_id    the merge's id
 * @param merge_json  receives the merge (see the Merge record above); CRM_STATUS_NOT_FOUND when there
 *                    is none with this id
 */
crm_status_t crm_get_merge(const crm_t *crm,
                           int64_t merge_id,
                           char **merge_json);

/**
 * The merges one client took part in (kept or merged away), or every merge; by id, undone ones
 * included (their `undone_at` is set).
 *
 * @param client_id    a client's id, or 0 for every merge
 * @param merges_json  receives a JSON array of merges (see the Merge record above)
 */
crm_status_t crm_list_merges(const crm_t *crm, int64_t client_id, char **merges_json);

/**
 * Changes a manager's details; fields the patch leaves out stay as they are. A patch that changes
 * nothing writes nothing; otherwise a manager `updated` event records the fields that changed.
 *
 * @param manager_id    the manager; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param patch_json    any of `{"name": "Olena Koval", "email": ..., "team": "sales", "capacity": 40,
 *                      "daily_cap": 10, "weight": 2, "skills": ["wholesale"], "regions": ["Kyiv"],
 *                      "languages": ["uk", "en"]}`. `email`, `team`, `capacity` and `daily_cap` may be
 *                      null: that clears the e-mail or team, or removes the limit (a field left out
 *                      keeps its value). `weight` 0 is taken as 1; the lists replace the stored ones.
 *                      An empty name or a malformed e-mail is CRM_STATUS_VALIDATION naming the field
 * @param at            RFC 3339 time of the change
 * @param manager_json  receives the manager as stored now (see the Manager record above)
 */
crm_status_t crm_update_manager(crm_t *crm,
                                int64_t manager_id,
                                const char *patch_json,
                                const char *at,
                                char **manager_json);

/**
 * Sets the store's working calendar, or a manager's own (which wins over the store's for that
 * manager), or removes it. Deadlines and working hours are counted in the calendar in force: the
 * manager's, else the store's, else round the clock in UTC. Logs a `calendar_set` event on the manager,
 * or on `settings` 0 for the store's (data: the calendar, or null).
 *
 * @param manager_id     a manager's id, or 0 for the store's calendar; CRM_STATUS_NOT_FOUND when there
 *                       is no such manager
 * @param spec_json      the calendar, or NULL to remove it: `{"timezone": "Europe/Kyiv",
 *                       "working_hours": {"mon-fri": [["09:00", "18:00"]], "sat": [["10:00",
 *                       "14:00"]]}, "holidays": ["2026-12-25"], "days": {"2026-12-31": [["09:00",
 *                       "16:00"]], "2026-12-26": []}}`. `timezone` is an IANA name, case-sensitive
 *                       (`UTC` when left out); a key of `working_hours` is a weekday (`mon` … `sun`,
 *                       or the full English name), a range (`mon-fri`, `sat-mon`) or a comma list
 *                       (`sat,sun`), case-insensitive; a weekday named by no key is a day off. A span
 *                       is `["HH:MM", "HH:MM"]` in local time, start before end, `24:00` may end
 *                       one; spans of a day are sorted and touching ones merged. `holidays` are days
 *                       off; `days` are special days with their own spans (`[]` is a day off), which
 *                       override both the weekday and the holidays. An unknown time zone, a bad
 *                       weekday key, a weekday named twice, overlapping spans or a week without any
 *                       working time is CRM_STATUS_VALIDATION naming the field (`timezone`,
 *                       `working_hours`, ...)
 * @param at             RFC 3339 time of the change
 * @param calendar_json  receives the calendar now in force as stored (spans sorted and merged), or
 *                       `null` when it was removed
 */
crm_status_t crm_set_calendar(crm_t *crm,
                              int64_t manager_id,
                              const char *spec_json,
                              const char *at,
                              char **calendar_json);

/**
 * Records an absence (a vacation, a sick leave): the manager gets no new requests on those days (a
 * routing rule passes them over with reason `absent`); their open work stays unless handed over (see
 * crm_hand_over()). Logs an `absence_added` event on the manager.
 *
 * @param new_absence_json  `{"manager_id": 2, "start": "2026-12-01", "end": "2026-12-14", "reason":
 *                          "vacation"}`: the first and the last day away, inclusive, in the manager's
 *                          calendar's time zone; `reason` optional. An unknown manager is
 *                          CRM_STATUS_NOT_FOUND; `end` before `start` is CRM_STATUS_VALIDATION with
 *                          field `end`
 * @param at                RFC 3339 time of the change
 * @param absence_json      receives the stored absence: `{"id": 1, "manager_id": 2, "start":
 *                          "2026-12-01", "end": "2026-12-14", "reason": "vacation", "created_at": ...}`
 */
crm_status_t crm_add_absence(crm_t *crm,
                             const char *new_absence_json,
                             const char *at,
                             char **absence_json);

/**
 * Deletes an absence (a cancelled vacation).
 *
 * @param absence_id    the absence's id; CRM_STATUS_NOT_FOUND when there is none
 * @param at            RFC 3339 time of the change
 * @param absence_json  receives the absence as it was before it was deleted
 */
crm_status_t crm_remove_absence(crm_t *crm,
                                int64_t absence_id,
                                const char *at,
                                char **absence_json);

/**
 * Adds a routing rule, or replaces the rule of the same name (its rotation starts afresh). Every new
 * lead that names no owner and whose client has no available owner goes to the first rule whose
 * condition holds (by ascending `priority`, then id); the rule picks among its eligible managers by
 * its strategy. A manager is passed over (and listed in the assignment's `skipped`, in this order of
 * reasons) when `inactive`, `excluded` (the lead is being taken from them), `absent`, `lacking_skill`,
 * `other_region`, `other_language`, `off_hours` (with `working_hours_only`), `at_capacity` (open leads
 * at least the capacity) or `daily_cap` (requests assigned today at least the daily cap). When no rule
 * matches (reason `no routing rule matches the request`), or the matching rule has nobody eligible,
 * the lead is queued (see crm_queue()). Routing is on once a rule exists: while the store has none,
 * a lead with no owner is neither routed nor queued.
 *
 * @param new_rule_json  `{"name": "wholesale Kyiv", "priority": 0, "when": "interest = 'wholesale'",
 *                       "team": "sales", "managers": [2, 3], "strategy": "round_robin", "skills":
 *                       ["wholesale"], "match_region": false, "match_language": false,
 *                       "working_hours_only": false}`; only `name` and `strategy` are required.
 *                       `when` is a condition about leads in the segment language (none: a catch-all,
 *                       put it last); with neither `team` nor `managers` every manager is a candidate.
 *                       `strategy` is `round_robin` (in turn, by id), `least_loaded` (fewest open leads
 *                       relative to capacity) or `weighted` (shares by the managers' weights); any
 *                       other is CRM_STATUS_INVALID_JSON with field `strategy`. A bad condition is
 *                       CRM_STATUS_VALIDATION with field `when` (and its `line` and `column`); a
 *                       manager that does not exist is CRM_STATUS_VALIDATION with field `managers[i]`
 * @param at             RFC 3339 time of the change
 * @param rule_json      receives the stored rule: `{"id": 1, "name": ..., "priority": 0, "when": (in
 *                       canonical form, or null), "team": ..., "managers": [2, 3] (ascending),
 *                       "strategy": "round_robin", "skills": [], "match_region": false,
 *                       "match_language": false, "working_hours_only": false, "created_at": ...,
 *                       "updated_at": ...}`
 */
crm_status_t crm_add_routing_rule(crm_t *crm,
                                  const char *new_rule_json,
                                  const char *at,
                                  char **rule_json);

/**
 * Deletes a routing rule by name; past assignments keep its name.
 *
 * @param name       the rule's name; CRM_STATUS_NOT_FOUND when there is none
 * @param at         RFC 3339 time of the change
 * @param rule_json  receives the rule as it was before it was deleted
 */
crm_status_t crm_remove_routing_rule(crm_t *crm,
                                     const char *name,
                                     const char *at,
                                     char **rule_json);

/**
 * Adds a first-response (SLA) policy, or replaces the one of the same name. A lead captured from now
 * on gets the deadline of the first policy whose condition holds (by ascending `priority`, then id; a
 * policy without a condition last): its `first_response_due` (the target counted in working time in the
 * calendar of the lead's owner, else the store's) and `sla_policy`. Deadlines already set stay.
 *
 * @param new_policy_json  `{"name": "web 2h", "when": "channel = 'web'", "priority": 0,
 *                         "first_response": "2h", "at_risk_bp": 8000, "escalation": "task",
 *                         "escalate_to": 1}`; only `name` and `first_response` are required.
 *                         `first_response` is an amount of working time (`2h`, `30m`, `1h30m`; days
 *                         are refused: a working day has no fixed length), else CRM_STATUS_VALIDATION
 *                         with field `first_response`. `at_risk_bp` is the share of the target after
 *                         which an unanswered lead is at risk, in basis points (0: the default 8000 =
 *                         80 %; above 10000 is CRM_STATUS_VALIDATION). `escalation` says what a breach
 *                         does: `none` (the default: only marks it), `reassign` (to another eligible
 *                         manager by the rules) or `task` (a task for `escalate_to`, a team lead:
 *                         required then, else CRM_STATUS_VALIDATION with field `escalate_to`). A bad
 *                         `when` is CRM_STATUS_VALIDATION with field `when`
 * @param at               RFC 3339 time of the change
 * @param policy_json      receives the stored policy: `{"id": 1, "name": ..., "when": ...,
 *                         "priority": 0, "first_response": "2h" (canonical), "first_response_secs":
 *                         7200, "at_risk_bp": 8000, "escalation": "task", "escalate_to": 1,
 *                         "created_at": ..., "updated_at": ...}`
 */
crm_status_t crm_set_response_sla(crm_t *crm,
                                  const char *new_policy_json,
                                  const char *at,
                                  char **policy_json);

/**
 * Deletes a first-response policy by name; deadlines already set stay.
 *
 * @param name         the policy's name; CRM_STATUS_NOT_FOUND when there is none
 * @param at           RFC 3339 time of the change
 * @param policy_json  receives the policy as it was before it was deleted
 */
crm_status_t crm_remove_response_sla(crm_t *crm,
                                     const char *name,
                                     const char *at,
                                     char **policy_json);

/**
 * Sets the ownership rules: a client stays locked to its (active) owner for `lock_days` days after its
 * last meaningful contact (an outbound call, e-mail, meeting, message or document, or an order); moving
 * a locked client or its lead to another manager then needs a reason (see crm_assign_client()).
 *
 * @param settings_json      `{"lock_days": 30}` (the default; 0: no lock; at most 3660, else
 *                           CRM_STATUS_VALIDATION with field `lock_days`); a field left out takes its
 *                           default
 * @param at                 RFC 3339 time of the change
 * @param new_settings_json  receives the settings as stored now
 */
crm_status_t crm_set_ownership_settings(crm_t *crm,
                                        const char *settings_json,
                                        const char *at,
                                        char **new_settings_json);

/**
 * Makes a manager the client's owner. A client locked to another active owner (a meaningful contact
 * within `lock_days`, see crm_set_ownership_settings()) is CRM_STATUS_CONFLICT unless a reason is
 * given; the forced take-over and its reason are recorded (a client `owner_changed` event with `from`,
 * `to`, `reason`, `forced`). Making the owner the owner again changes nothing (the Assignment's `id`
 * is null then: nothing was recorded).
 *
 * @param client_id        the client; CRM_STATUS_NOT_FOUND when there is none
 * @param manager_id       the new owner, an active manager (else CRM_STATUS_NOT_FOUND or
 *                         CRM_STATUS_VALIDATION with field `manager_id`)
 * @param reason           why (`"the owner left"`), or NULL; required to take over a locked client
 * @param at               RFC 3339 time of the change
 * @param assignment_json  receives the decision, an Assignment: `{"id": 8, "lead_id": null,
 *                         "client_id": 3, "at": ..., "manager_id": 2, "previous_id": 1, "via":
 *                         "reassign", "rule_id": null, "rule": null, "strategy": null, "reason":
 *                         "forced over the ownership lock: the owner left", "skipped": []}` (see
 *                         crm_lead_assignments())
 */
crm_status_t crm_assign_client(crm_t *crm,
                               int64_t client_id,
                               int64_t manager_id,
                               const char *reason,
                               const char *at,
                               char **assignment_json);

/**
 * Gives an open lead (new, in progress or qualified; another is CRM_STATUS_CONFLICT) to a manager, or
 * to whoever the routing rules choose now (never its current owner). A lead of a client locked to
 * another owner needs a reason (else CRM_STATUS_CONFLICT). When the rules find nobody eligible it is
 * CRM_STATUS_CONFLICT with a message that says why, and the lead stays where it was. The lead's
 * response deadline is not moved.
 *
 * @param lead_id          the lead; CRM_STATUS_NOT_FOUND when there is none
 * @param manager_id       the new owner (an active manager), or 0 to let the routing rules choose
 * @param reason           why, or NULL
 * @param at               RFC 3339 time of the change
 * @param assignment_json  receives the decision, an Assignment (see crm_lead_assignments()); `via` is
 *                         `reassign`
 */
crm_status_t crm_reassign_lead(crm_t *crm,
                               int64_t lead_id,
                               int64_t manager_id,
                               const char *reason,
                               const char *at,
                               char **assignment_json);

/**
 * Routes every queued lead again, oldest first (after a manager was added, came back or got capacity).
 * A lead that finds a manager leaves the queue; the others stay, with their `queued_reason` brought up
 * to date. crm_run_due() does this too.
 *
 * @param now               RFC 3339 time of the routing
 * @param assignments_json  receives a JSON array of the assignments made (`via` is `queue`), oldest
 *                          lead first; `[]` when none
 */
crm_status_t crm_assign_queued(crm_t *crm,
                               const char *now,
                               char **assignments_json);

/**
 * Moves a manager's open leads (and, with `clients`, their clients and those clients' open deals) to
 * others by the routing rules, the manager excluded, in one transaction: for an absence or a
 * dismissal. A lead nobody can take is queued, a client nobody can take is left without an owner,
 * each with the reason.
 *
 * @param manager_id      the manager whose work moves; CRM_STATUS_NOT_FOUND when there is none
 * @param options_json    `{"clients": false, "deactivate": false}` (the defaults), or NULL for them:
 *                        `clients` moves the clients too (without it only the open leads move);
 *                        `deactivate` also marks the manager inactive
 * @param at              RFC 3339 time of the change
 * @param hand_over_json  receives `{"manager_id": 2, "assignments": [...], "deals_moved": [7]}`: one
 *                        Assignment per lead and per client (leads first, each by id; `via` is
 *                        `hand_over`, or `queued` with `manager_id` null), and the open deals that
 *                        followed their client
 */
crm_status_t crm_hand_over(crm_t *crm,
                           int64_t manager_id,
                           const char *options_json,
                           const char *at,
                           char **hand_over_json);

/**
 * Does what time passing requires, as of `now` (a host calls it every minute or so, with the time it
 * read), in this order:
 * - queued leads are routed again;
 * - open leads whose first-response deadline passed unanswered are marked breached (their
 *   `sla_breached_at` is set to the deadline; a lead `sla_breached` event each) and escalated by their
 *   policy (reassigned, or a task for the policy's `escalate_to`);
 * - complaint deadlines passed (the first response of one not yet answered, the resolution of one open
 *   or in progress and not waiting for the client) are marked breached (`response_breached_at`,
 *   `resolution_breached_at`; a complaint `sla_breached` event each) and escalated into a task of kind
 *   `complaint_escalation` for the complaint SLA's `escalate_to`, else the complaint's owner (see
 *   crm_set_complaint_sla());
 * - open promises whose due time is less than `remind_before` away get a reminder task of kind
 *   `promise` for the manager who made them (a promise `reminded` event; its `reminded_at` is set), and
 *   open promises past their due time are broken (a promise `broken` event);
 * - clients whose purchases changed, or whose next rung of the dormancy ladder has started, are placed
 *   on it (a client `dormancy` event for each move; see crm_set_dormancy_settings());
 * - the active retention rules, by id, act on the clients they match (see crm_add_retention_rule()).
 *
 * Idempotent: running it again at the same or a later `now` does nothing twice (one task per lead, per
 * complaint deadline, per promise; a rule's cool-down, and one task per rule, client and day).
 *
 * @param now           RFC 3339 time to run for
 * @param due_run_json  receives `{"at": ..., "breached": [4, 9] (lead ids), "escalations": [...]
 *                      (Assignments, `via` `escalation`), "tasks": [...] (Tasks, see
 *                      crm_list_tasks(): every task the run made, escalations, reminders and the
 *                      rules' in the order above), "assigned": [...] (Assignments of queued leads,
 *                      `via` `queue`), "complaints_breached": [{"complaint_id": 3, "milestone":
 *                      "first_response" (or "resolution"), "due": ..., "escalated_to": 1 (the task's
 *                      manager, or null)}, ...] (by deadline, then complaint id), "promises_reminded":
 *                      [5] (promise ids), "promises_broken": [2] (promise ids), "dormancy":
 *                      [{"client_id": 1, "from": "active" (null: placed for the first time), "to":
 *                      "cooling" (active, cooling, dormant or lost)}, ...] (by client id), "fired":
 *                      [{"rule_id": 1, "rule": "reactivate dormant A-client", "client_id": 1,
 *                      "task_id": 12 (null unless the action makes a task)}, ...] (by rule, then
 *                      client)}`; the lists are empty when nothing was due
 */
crm_status_t crm_run_due(crm_t *crm,
                         const char *now,
                         char **due_run_json);

/**
 * Closes a task as done or cancelled, setting its `closed_at`; logs a task `closed` event (data:
 * `{"status": "done"}`). Closing it again with the same status changes nothing (no event, the task as
 * stored is returned); closing a done task as cancelled, or the other way round, is
 * CRM_STATUS_INVALID_TRANSITION. A task cannot be reopened.
 *
 * @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none
 * @param status     `done` or `cancelled`; `open` is CRM_STATUS_VALIDATION with field `status`, any
 *                   other text too
 * @param at         RFC 3339 time of the change
 * @param task_json  receives the task as stored now (see crm_list_tasks())
 */
crm_status_t crm_close_task(crm_t *crm,
                            int64_t task_id,
                            const char *status,
                            const char *at,
                            char **task_json);

/**
 * The store's working calendar, or a manager's own, as set with crm_set_calendar().
 *
 * @param manager_id     a manager's id, or 0 for the store's calendar; CRM_STATUS_NOT_FOUND when there
 *                       is no such manager
 * @param calendar_json  receives the calendar (as crm_set_calendar() stored it), or `null` when none
 *                       is set (a manager's null means the store's calendar applies to them)
 */
crm_status_t crm_calendar(const crm_t *crm,
                          int64_t manager_id,
                          char **calendar_json);

/**
 * The instant an amount of working time after `from`, in the calendar in force for a manager (theirs,
 * else the store's, else round the clock in UTC). Spans are half-open: a deadline that falls exactly at
 * the end of a working span stays there (Friday 17:00 plus 1h is Friday 18:00), while an amount of
 * zero is the next working instant. Two working hours after Friday 17:30 in Kyiv (Mon–Fri
 * 09:00–18:00) is Monday 10:30.
 *
 * @param manager_id  a manager's id, or 0 for the store's calendar
 * @param from        RFC 3339 start
 * @param amount      working time: `2h`, `30m`, `1h30m` (`1h 30m`); days are refused. A bad amount,
 *                    or one that finds no working time within three years, is CRM_STATUS_VALIDATION
 *                    with field `amount`
 * @param deadline    receives the deadline as plain RFC 3339 text in UTC (not JSON):
 *                    `2026-11-30T08:30:00Z`
 */
crm_status_t crm_working_deadline(const crm_t *crm,
                                  int64_t manager_id,
                                  const char *from,
                                  const char *amount,
                                  char **deadline);

/**
 * The working time between two instants, in the calendar in force for a manager (as
 * crm_working_deadline()); 0 when `to` is not after `from`.
 *
 * @param manager_id  a manager's id, or 0 for the store's calendar
 * @param from        RFC 3339 start
 * @param to          RFC 3339 end
 * @param seconds     receives the working time in seconds
 */
crm_status_t crm_working_time(const crm_t *crm,
                              int64_t manager_id,
                              const char *from,
                              const char *to,
                              int64_t *seconds);

/**
 * The absences of one manager or of every manager, by start day, then id (past ones included).
 *
 * @param manager_id     a manager's id, or 0 for every manager
 * @param absences_json  receives a JSON array of absences (see crm_add_absence())
 */
crm_status_t crm_list_absences(const crm_t *crm, int64_t manager_id, char **absences_json);

/**
 * The routing rules in the order they are tried (priority, then id).
 *
 * @param rules_json  receives a JSON array of rules (see crm_add_routing_rule())
 */
crm_status_t crm_routing_rules(const crm_t *crm, char **rules_json);

/**
 * The first-response policies in the order they are tried (by priority, then id; a policy without a
 * condition last).
 *
 * @param policies_json  receives a JSON array of policies (see crm_set_response_sla())
 */
crm_status_t crm_response_slas(const crm_t *crm, char **policies_json);

/**
 * Where a lead stands against its first-response deadline at `now`. Nothing is written.
 *
 * @param lead_id          the lead; CRM_STATUS_NOT_FOUND when there is none
 * @param now              RFC 3339 time to judge at
 * @param sla_status_json  receives `{"lead_id": 4, "state": "at_risk", "policy": "web 2h", "due": ...,
 *                         "responded_at": null, "used_secs": 6000, "left_secs": 1200, "used_share":
 *                         0.8333}`: `state` is `none` (no policy applies: no deadline), `pending` (not
 *                         answered, less than the at-risk share used), `at_risk`, `met` (answered by
 *                         the deadline) or `breached` (not answered by it); the seconds are working
 *                         time (until the response, or until `now`), `left_secs` negative once overdue;
 *                         `used_share` is a JSON number (1.0 = the whole target)
 */
crm_status_t crm_lead_sla_status(const crm_t *crm,
                                 int64_t lead_id,
                                 const char *now,
                                 char **sla_status_json);

/**
 * The ownership rules: the stored ones, or the defaults until crm_set_ownership_settings() is called.
 *
 * @param settings_json  receives `{"lock_days": 30}`
 */
crm_status_t crm_ownership_settings(const crm_t *crm,
                                    char **settings_json);

/**
 * Every decision about who works a lead, oldest first, each with its explanation: the capture's
 * (returned in crm_capture_lead()'s `assignment` too), reassignments, escalations, hand-overs, the
 * queue.
 *
 * An Assignment is `{"id": 7, "lead_id": 4, "client_id": null, "at": ..., "manager_id": 2 (null:
 * queued), "previous_id": null, "via": "rule", "rule_id": 1, "rule": "everyone", "strategy":
 * "round_robin", "reason": "...", "skipped": [{"manager_id": 1, "reason": "absent", "detail":
 * "..."}]}`. `id` is its id in the assignment log (a merge's `moved.assignments` names these), null
 * when nothing was recorded (crm_assign_client() to the current owner). `via` is `given` (the caller
 * named the manager), `owner` (the client's owner), `rule` (a routing rule chose), `queued` (nobody
 * could take it; `reason` says why), `queue` (taken from the queue), `escalation` (a breached
 * deadline reassigned it), `reassign` (a person) or `hand_over`. `skipped` lists the candidates
 * passed over, each with its reason (`inactive`, `excluded`, `absent`, `lacking_skill`,
 * `other_region`, `other_language`, `off_hours`, `at_capacity`, `daily_cap`) and the figures behind
 * it, for people.
 *
 * @param lead_id           the lead; CRM_STATUS_NOT_FOUND when there is none
 * @param assignments_json  receives a JSON array of Assignments
 */
crm_status_t crm_lead_assignments(const crm_t *crm,
                                  int64_t lead_id,
                                  char **assignments_json);

/**
 * Every change of a client's owner made by crm_assign_client() or crm_hand_over(), oldest first.
 *
 * @param client_id         the client; CRM_STATUS_NOT_FOUND when there is none
 * @param assignments_json  receives a JSON array of Assignments (see crm_lead_assignments())
 */
crm_status_t crm_client_assignments(const crm_t *crm, int64_t client_id, char **assignments_json);

/**
 * The leads waiting for a manager, oldest first; each says why in its `queued_reason` (its `owner_id`
 * is null).
 *
 * @param leads_json  receives a JSON array of leads (see the Lead record above)
 */
crm_status_t crm_queue(const crm_t *crm,
                       char **leads_json);

/**
 * The tasks of one manager or of every manager, by id.
 *
 * @param manager_id  a manager's id, or 0 for every manager; CRM_STATUS_NOT_FOUND when there is no such
 *                    manager
 * @param open_only   true for the open tasks only, false for every one
 * @param tasks_json  receives a JSON array of Tasks: `{"id": 1, "kind": "sla_escalation", "title":
 *                    "Lead 4: no first response by ...", "manager_id": 1, "client_id": null,
 *                    "lead_id": 4, "deal_id": null, "due_at": ..., "status": "open" (open, done,
 *                    cancelled), "origin": "sla:lead:4" (what made it, one task per origin; null for
 *                    a task added with crm_add_task()), "created_at": ..., "closed_at": null (when it
 *                    was done or cancelled), "rule_id": null (the retention rule that made it),
 *                    "promise_id": null (the promise it reminds of), "complaint_id": null (the
 *                    complaint it escalates), "outcome": null (what came of it, see
 *                    crm_complete_task()), "activity_id": null (the activity that recorded the
 *                    outcome)}`
 */
crm_status_t crm_list_tasks(const crm_t *crm,
                            int64_t manager_id,
                            bool open_only,
                            char **tasks_json);

/**
 * One task.
 *
 * @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param task_json  receives the task (see crm_list_tasks())
 */
crm_status_t crm_get_task(const crm_t *crm, int64_t task_id, char **task_json);

/**
 * Opens a store file, creating it if it does not exist and migrating it if it was written by an older
 * crmkit. The path `:memory:` opens a private in-memory store, gone when closed; a path starting with
 * `file:` is read as an SQLite URI (`file:shop.crm?mode=ro`).
 *
 * @param path  the file's path, UTF-8; not empty
 * @param out   receives the handle; close it with crm_close()
 * @return CRM_STATUS_OK; CRM_STATUS_VALIDATION for an empty path; CRM_STATUS_STORAGE when the file
 *         cannot be opened or is not a crmkit store;
 *         CRM_STATUS_SCHEMA_TOO_NEW when a newer crmkit wrote it (the file is left untouched)
 */
crm_status_t crm_open(const char *path,
                      crm_t **out);

/**
 * Closes a store: rolls back any transaction still open on it, writes the log back into the database
 * file (so the file alone is complete) and frees the handle. NULL is ignored. No other call on the
 * handle may be running or follow.
 */
void crm_close(crm_t *crm);

/**
 * Sets who the event log names as the author of the following commands on this handle (`"olena"`,
 * `"1C exchange"`). An empty name means the default, `"system"`.
 */
crm_status_t crm_set_actor(crm_t *crm, const char *actor);

/**
 * The handle's current actor.
 *
 * @param actor  receives the name; free it with crm_string_free()
 */
crm_status_t crm_actor(const crm_t *crm, char **actor);

/**
 * Turns strict mode on or off. In strict mode a malformed phone, e-mail or tax id is refused with
 * CRM_STATUS_VALIDATION instead of being stored with quality `invalid` and a warning. Off by default:
 * a request is never lost for a typo. It applies to the commands that start after it; an open
 * transaction keeps the mode it began with.
 */
crm_status_t crm_set_strict(crm_t *crm,
                            bool strict);

/**
 * Whether strict mode is on.
 */
crm_status_t crm_is_strict(const crm_t *crm, bool *strict);

/**
 * The schema version of the open store (SQLite's `user_version`). Not inside a transaction
 * (CRM_STATUS_MISUSE).
 */
crm_status_t crm_schema_version(const crm_t *crm, int64_t *version);

/**
 * Runs SQLite's integrity check. Not inside a transaction (CRM_STATUS_MISUSE).
 *
 * @param report_json  receives a JSON array of problems; `["ok"]` when the file is sound
 */
crm_status_t crm_integrity_check(const crm_t *crm, char **report_json);

/**
 * Begins a transaction on this handle for the calling thread: the commands this thread issues on the
 * handle until crm_commit() or crm_rollback() all happen, or none does. A command that fails inside
 * leaves nothing of itself behind, and the transaction goes on. Readers see the transaction's writes.
 *
 * While it is open, other threads' calls on the handle wait for it to end; so end it on the thread
 * that began it, and soon. crm_close() rolls back a transaction still open.
 *
 * @param actor  the author the event log names for the transaction's commands, or NULL for the
 *               handle's actor (see crm_set_actor())
 * @return CRM_STATUS_OK; CRM_STATUS_MISUSE when this thread already has a transaction open on the handle
 */
crm_status_t crm_begin(crm_t *crm,
                       const char *actor);

/**
 * Commits the calling thread's transaction.
 *
 * @return CRM_STATUS_OK; CRM_STATUS_MISUSE when this thread has no transaction open; CRM_STATUS_STORAGE
 *         when the database could not commit (the transaction is then rolled back)
 */
crm_status_t crm_commit(crm_t *crm);

/**
 * Rolls back the calling thread's transaction: nothing of it is kept.
 *
 * @return CRM_STATUS_OK; CRM_STATUS_MISUSE when this thread has no transaction open
 */
crm_status_t crm_rollback(crm_t *crm);

/**
 * Imports a spreadsheet file (CSV in UTF-8 with or without BOM or in Windows-1251, any common
 * delimiter, quoted newlines; or XLSX) in one transaction, each row in a savepoint of its own: bad
 * rows are reported and never stop good ones (unless `all_or_nothing`). Logs an `import` `created`
 * event with the figures (not for a dry run, a cancel or an all-or-nothing failure).
 *
 * @param path          the file; unreadable is CRM_STATUS_STORAGE (i/o); the batch's `file_name` is its
 *                      name unless the options give one
 * @param options_json  NULL (clients, all defaults) or `{"kind": "clients" | "contacts" | "leads" |
 *                      "orders", "match_on": ["external_ref", "tax_id", "email", "phone"], "mapping":
 *                      {"Назва": "name", "Notes": ""}, "dry_run": false, "all_or_nothing": false,
 *                      "on_conflict": "report" | "overwrite", "encoding": "windows-1251",
 *                      "delimiter": ";", "sheet": "Clients", "header_row": 1, "file_name": ...,
 *                      "default_source": "Old base"}`; every field optional. A mapping naming an
 *                      unknown field or a header not in the file, or a clients/contacts file without
 *                      a name column, is CRM_STATUS_VALIDATION with field `mapping`
 * @param at            RFC 3339 time of the import
 * @param progress      a crm_progress_fn, or NULL
 * @param user_data     passed to `progress` as it is
 * @param report_json   receives the ImportReport: `{"batch_id": 1, "kind": "clients", "dry_run": false,
 *                      "committed": true, "cancelled": false, "total": 5, "created": 2, "updated": 1,
 *                      "unchanged": 1, "skipped": 0, "failed": 1, "rows": [{"row": 2, "status":
 *                      "created", "entity": "client", "id": 1}, ...], "errors": [{"row": 4, "column":
 *                      "Телефон", "field": "phone", "message": ...}], "conflicts": [{"row": 3,
 *                      "entity": "client", "id": 1, "field": "email", "stored": ..., "incoming":
 *                      ...}], "columns": [{"column": 0, "header": "Назва", "field": "name",
 *                      "guessed": true}], "encoding": "utf-8-bom", "delimiter": ";", "header_row": 1}`
 */
crm_status_t crm_import(crm_t *crm,
                        const char *path,
                        const char *options_json,
                        const char *at,
                        crm_progress_fn progress,
                        void *user_data,
                        char **report_json);

/**
 * Imports a spreadsheet held in memory: as crm_import(), from `len` bytes at `data`.
 *
 * @param data          the file's bytes (not NUL-terminated); NULL only with `len` 0
 * @param len           how many bytes
 * @param options_json  as crm_import(); the batch's `file_name` is the one given there, if any
 * @param at            RFC 3339 time of the import
 * @param progress      a crm_progress_fn, or NULL
 * @param user_data     passed to `progress` as it is
 * @param report_json   receives the ImportReport, as crm_import()
 */
crm_status_t crm_import_bytes(crm_t *crm,
                              const uint8_t *data,
                              size_t len,
                              const char *options_json,
                              const char *at,
                              crm_progress_fn progress,
                              void *user_data,
                              char **report_json);

/**
 * Undoes an import batch: removes the clients, contacts and orders it created (rollups recomputed),
 * closes the leads it created as junk (`test`), and restores the records it updated. When later
 * changes depend on it (a record it made that something else now refers to, a record it touched
 * that changed since) nothing is undone and the report lists what blocks it. Logs an `import`
 * `undone` event.
 *
 * @param import_id    the batch; CRM_STATUS_NOT_FOUND when there is none, CRM_STATUS_INVALID_TRANSITION
 *                     when it was undone already
 * @param at           RFC 3339 time of the undo
 * @param report_json  receives the UndoReport: `{"batch_id": 1, "undone": true, "removed": 3,
 *                     "restored": 1, "blocked": [{"entity": "client", "id": 4, "reason": ...}]}`
 */
crm_status_t crm_undo_import(crm_t *crm,
                             int64_t import_id,
                             const char *at,
                             char **report_json);

/**
 * One import batch.
 *
 * @param import_json  receives the ImportBatch: `{"id": 1, "kind": "clients", "file_name": ..., "at":
 *                     ..., "actor": ..., "total": 5, "created": 2, "updated": 1, "unchanged": 1,
 *                     "skipped": 0, "failed": 1, "undone_at": null}`; CRM_STATUS_NOT_FOUND when there
 *                     is none with this id
 */
crm_status_t crm_get_import(const crm_t *crm,
                            int64_t import_id,
                            char **import_json);

/**
 * Every import batch, by id.
 *
 * @param imports_json  receives a JSON array of ImportBatch (see crm_get_import())
 */
crm_status_t crm_list_imports(const crm_t *crm, char **imports_json);

/**
 * Records an order as a web shop sends it, in one transaction: finds or creates the client, maps the
 * UTM tags to a marketing source, and for a new client's first order records a lead (channel `shop`)
 * converted into a deal the order closes (won when the order is completed), so the funnel and the
 * source report see it. Idempotent by the shop's order id: the same order again returns the stored one
 * with `"duplicate": true` and writes nothing but a changed `status`; other lines or another total
 * under the same id are CRM_STATUS_CONFLICT.
 *
 * The client is the one the customer's phone and e-mail both point at, else the one client either
 * points at (phones compared in their normal form: `067-123-45-67` is `+380671234567`), else the one
 * client crm_find_duplicates() scores at least the `auto_link` setting, else a new one (a person, or
 * with `customer.company` a company with the customer as its contact person). The source is the one
 * named `utm.source` with the campaign `utm.campaign` (created when missing, its channel read from
 * `utm.medium`: `cpc`/`ppc`/`paid` → ads, `email` → email, `organic` → web, `referral` → referral,
 * else other), or without UTM tags the one named after `shop` (or `web shop`), channel `shop`.
 *
 * @param order_json   `{"shop": "tea-shop", "id": "1001", "placed_at": "2026-11-02T10:00:00Z",
 *                     "customer": {"name": "Olena Kovalenko", "phone": "+380671234567", "email":
 *                     "olena@example.com", "company": null}, "lines": [{"sku": "TEA-1", "name": "Green
 *                     tea", "quantity": 2, "price": "150.00"}], "shipping": "50.00", "total": "350.00",
 *                     "currency": "UAH", "status": "completed", "utm": {"source": "google", "medium":
 *                     "cpc", "campaign": "winter"}, "note": "call before delivery"}`; `id`,
 *                     `customer.name` and `total` are required. The stored order's `external_ref` is
 *                     `{shop}:{id}` (or `id`). Prices are after discounts; shipping is stored as a line
 *                     with the SKU `shipping`; `total` must equal the lines plus shipping, else
 *                     CRM_STATUS_VALIDATION with field `total` (the message names the difference).
 *                     `currency` is only checked to be three letters: amounts are in the store's one
 *                     currency. Unknown fields are CRM_STATUS_VALIDATION
 * @param at           RFC 3339 time of the call; the order's time when `placed_at` is left out
 * @param result_json  receives `{"order": {...Order}, "client_id": 1, "client_created": true,
 *                     "lead_id": 1, "deal_id": 1, "source_id": 1, "duplicate": false}` (`lead_id` and
 *                     `deal_id` null for a known client's order)
 */
crm_status_t crm_record_web_order(crm_t *crm,
                                  const char *order_json,
                                  const char *at,
                                  char **result_json);

/**
 * Adds or updates a client from an ERP counterparty, keyed by its `external_ref`. A known reference:
 * the fields given change (left out: kept; `null`: cleared), `"action": "updated"`, or `"unchanged"`
 * when nothing differs (nothing is written). An unknown reference whose tax id is that of exactly one
 * client without a reference (the first sync of a base kept by hand): that client gets the reference
 * and the fields (`updated`); several such clients are CRM_STATUS_CONFLICT. Otherwise a new client
 * (`created`; `name` required, else CRM_STATUS_VALIDATION with field `name`). Logs the client's
 * `created` or `updated` event.
 *
 * @param counterparty_json  `{"external_ref": "1C-000123", "kind": "company", "name": "Romashka LLC",
 *                           "tax_id": "12345678", "phone": ..., "email": ..., "website": ...,
 *                           "industry": ..., "region": null, "address": ..., "birth_date":
 *                           "1990-05-17", "tags": [...], "attributes": {...}}`; only `external_ref`
 *                           is required
 * @param at                 RFC 3339 time of the change
 * @param upserted_json      receives `{"record": {...Client}, "action": "created" | "updated" |
 *                           "unchanged"}`
 */
crm_status_t crm_upsert_counterparty(crm_t *crm,
                                     const char *counterparty_json,
                                     const char *at,
                                     char **upserted_json);

/**
 * Adds or corrects an order from an ERP, keyed by its `external_ref`; the buyer is the client whose
 * `external_ref` is `counterparty_ref` (CRM_STATUS_NOT_FOUND otherwise). A new reference is recorded
 * like crm_record_order() (`created`); one stored as sent is `unchanged` (nothing written); one whose
 * status alone differs gets an order `status_changed` event (`updated`); one whose client, time, total
 * or lines differ is corrected in place: the purchase totals of its old and new client are rebuilt and
 * an order `updated` event carries the changed fields' new values (`updated`).
 *
 * @param order_json     `{"external_ref": "SO-1", "counterparty_ref": "1C-000123", "placed_at":
 *                       "2026-11-02T10:00:00Z", "total": "300.00", "lines": [{"sku": "TEA-1",
 *                       "quantity": 2, "unit_price": "150.00"}], "status": "completed"}`;
 *                       `placed_at` defaults to `at` for a new order and stays for a known one, as
 *                       does `status` (completed for a new one). Lines must add up to `total`, else
 *                       CRM_STATUS_VALIDATION with field `total`
 * @param at             RFC 3339 time of the change
 * @param upserted_json  receives `{"record": {...Order}, "action": "created" | "updated" |
 *                       "unchanged"}`
 */
crm_status_t crm_upsert_order(crm_t *crm,
                              const char *order_json,
                              const char *at,
                              char **upserted_json);

/**
 * One manager.
 *
 * @param manager_json  receives the manager; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_manager(const crm_t *crm, int64_t manager_id, char **manager_json);

/**
 * Every manager, by id.
 *
 * @param managers_json  receives a JSON array of managers
 */
crm_status_t crm_list_managers(const crm_t *crm, char **managers_json);

/**
 * One marketing source.
 *
 * @param source_json  receives the source; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_source(const crm_t *crm, int64_t source_id, char **source_json);

/**
 * Every marketing source, by id.
 *
 * @param sources_json  receives a JSON array of sources
 */
crm_status_t crm_list_sources(const crm_t *crm, char **sources_json);

/**
 * Spend booked from `start` to `end` inclusive, of one source or of all; by date, then id.
 *
 * @param source_id   a source's id, or 0 for every source
 * @param start       first day, `YYYY-MM-DD`
 * @param end         last day, `YYYY-MM-DD`
 * @param spend_json  receives a JSON array of spends
 */
crm_status_t crm_list_spend(const crm_t *crm,
                            int64_t source_id,
                            const char *start,
                            const char *end,
                            char **spend_json);

/**
 * The lost-reason catalogue, in the order the reasons were added (the defaults first).
 *
 * @param lost_reasons_json  receives `[{"code": "price", "label": "Price too high"}, ...]`
 */
crm_status_t crm_lost_reasons(const crm_t *crm, char **lost_reasons_json);

/**
 * The deal pipeline, in order.
 *
 * @param pipeline_json  receives `[{"code": "new", "label": ..., "probability": 10, "position": 1},
 *                       ...]`
 */
crm_status_t crm_pipeline(const crm_t *crm, char **pipeline_json);

/**
 * One client.
 *
 * @param client_json  receives the client; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_client(const crm_t *crm, int64_t client_id, char **client_json);

/**
 * A page of clients, by id.
 *
 * @param query_json    `{"owner_id": 1, "kind": "company", "tag": "vip", "external_ref": "1C-000123",
 *                      "page": {"after": 0, "limit": 100}}`, every field optional; NULL means `{}`
 *                      (the first 100)
 * @param clients_json  receives a JSON array of clients
 */
crm_status_t crm_list_clients(const crm_t *crm,
                              const char *query_json,
                              char **clients_json);

/**
 * One contact person.
 *
 * @param contact_json  receives the contact; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_contact(const crm_t *crm, int64_t contact_id, char **contact_json);

/**
 * A client's contact persons, by id.
 *
 * @param contacts_json  receives a JSON array of contacts
 */
crm_status_t crm_list_contacts(const crm_t *crm, int64_t client_id, char **contacts_json);

/**
 * One lead.
 *
 * @param lead_json  receives the lead; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_lead(const crm_t *crm, int64_t lead_id, char **lead_json);

/**
 * A page of leads, by id.
 *
 * @param query_json  `{"status": "new", "owner_id": ..., "source_id": ..., "client_id": ...,
 *                    "received_from": "2026-11-01T00:00:00Z", "received_to": ..., "external_ref": ...,
 *                    "page": {"after": 0, "limit": 100}}`, every field optional; NULL means `{}`
 * @param leads_json  receives a JSON array of leads
 */
crm_status_t crm_list_leads(const crm_t *crm,
                            const char *query_json,
                            char **leads_json);

/**
 * A lead's status transitions, oldest first (the capture itself is the first, from null to new).
 * CRM_STATUS_NOT_FOUND when there is no such lead.
 *
 * @param transitions_json  receives `[{"lead_id": 1, "from": null, "to": "new", "at": ..., "actor":
 *                          ..., "reason": null}, ...]`
 */
crm_status_t crm_lead_transitions(const crm_t *crm, int64_t lead_id, char **transitions_json);

/**
 * One activity.
 *
 * @param activity_json  receives the activity; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_activity(const crm_t *crm, int64_t activity_id, char **activity_json);

/**
 * A page of activities, by id.
 *
 * @param query_json       `{"lead_id": ..., "client_id": ..., "deal_id": ..., "manager_id": ...,
 *                         "page": {...}}`, every field optional; NULL means `{}`
 * @param activities_json  receives a JSON array of activities
 */
crm_status_t crm_list_activities(const crm_t *crm, const char *query_json, char **activities_json);

/**
 * One deal.
 *
 * @param deal_json  receives the deal; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_deal(const crm_t *crm, int64_t deal_id, char **deal_json);

/**
 * A page of deals, by id.
 *
 * @param query_json  `{"status": "open", "stage": ..., "owner_id": ..., "client_id": ..., "page":
 *                    {...}}`, every field optional; NULL means `{}`
 * @param deals_json  receives a JSON array of deals
 */
crm_status_t crm_list_deals(const crm_t *crm, const char *query_json, char **deals_json);

/**
 * A deal's stage history, oldest first: the time in a stage is the gap to the next entry.
 *
 * @param visits_json  receives `[{"deal_id": 1, "stage": "new", "status": "open", "at": ..., "actor":
 *                     ...}, ...]`
 */
crm_status_t crm_deal_history(const crm_t *crm,
                              int64_t deal_id,
                              char **visits_json);

/**
 * One order with its lines.
 *
 * @param order_json  receives the order; CRM_STATUS_NOT_FOUND when there is none with this id
 */
crm_status_t crm_get_order(const crm_t *crm, int64_t order_id, char **order_json);

/**
 * A page of orders with their lines, by id.
 *
 * @param query_json   `{"client_id": ..., "status": "completed", "from": "2026-01-01T00:00:00Z",
 *                     "to": ..., "external_ref": ..., "page": {...}}`, every field optional; NULL
 *                     means `{}`
 * @param orders_json  receives a JSON array of orders
 */
crm_status_t crm_list_orders(const crm_t *crm, const char *query_json, char **orders_json);

/**
 * A client's purchase totals over completed orders (zeros when there are none).
 *
 * @param rollup_json  receives `{"client_id": 1, "revenue": "245.90", "orders": 1, "first_order_at":
 *                     ..., "last_order_at": ..., "purchase_days": 1}`; `purchase_days` counts the
 *                     distinct UTC days with a completed order (several orders a day are one purchase)
 */
crm_status_t crm_client_rollup(const crm_t *crm,
                               int64_t client_id,
                               char **rollup_json);

/**
 * A page of client purchase totals, by client id; clients who never completed an order are not listed.
 *
 * @param page_json     `{"after": <last client id seen>, "limit": 100}`, both optional; NULL means `{}`
 * @param rollups_json  receives a JSON array of rollups (see crm_client_rollup())
 */
crm_status_t crm_list_rollups(const crm_t *crm,
                              const char *page_json,
                              char **rollups_json);

/**
 * A client's revenue per calendar month (UTC), oldest first; months without orders are not listed.
 *
 * @param months_json  receives `[{"client_id": 1, "month": "2026-11", "revenue": "245.90", "orders":
 *                     1, "days": 1, "last_order_at": "2026-11-02T09:30:00Z"}, ...]`; `days` counts the
 *                     month's distinct UTC days with a completed order, `last_order_at` is when its
 *                     last completed order was placed
 */
crm_status_t crm_client_monthly_revenue(const crm_t *crm,
                                        int64_t client_id,
                                        char **months_json);

/**
 * Every change to one record, oldest first: who, when, what (see the Event record above). An id that
 * never existed has an empty history (`[]`), not CRM_STATUS_NOT_FOUND.
 *
 * @param entity       `manager`, `source`, `client`, `contact`, `lead`, `deal`, `activity`, `order`,
 *                     `spend`, `segment`, `routing_rule`, `sla_policy`, `task`, `promise`,
 *                     `complaint`, `retention_rule`, or a store-wide
 *                     record with id 0: `pipeline`, `lost_reason`, `settings`; any other name is
 *                     CRM_STATUS_VALIDATION
 * @param events_json  receives `[{"seq": 1, "at": ..., "actor": "system", "entity": "lead",
 *                     "entity_id": 1, "kind": "captured", "data": {...}}, ...]`
 */
crm_status_t crm_history(const crm_t *crm,
                         const char *entity,
                         int64_t id,
                         char **events_json);

/**
 * The change feed: events after `seq`, oldest first. A host polls it with the last `seq` it has seen
 * (0 at first).
 *
 * @param limit        at most this many events; 0 means 1000, more than 10000 is cut to 10000
 * @param events_json  receives a JSON array of events (see crm_history())
 */
crm_status_t crm_changes_since(const crm_t *crm,
                               int64_t seq,
                               uint32_t limit,
                               char **events_json);

/**
 * The newest sequence number in the event log (0 when it is empty).
 */
crm_status_t crm_last_seq(const crm_t *crm, int64_t *seq);

/**
 * The sales funnel of the leads received in a period: received → in_progress → qualified → converted
 * → the pipeline's stages → won. A lead counts at every step up to the furthest it reached (a step
 * skipped on the way counts as passed).
 *
 * @param query_json   `{"start": "2026-10-01", "end": "2026-12-31", "mode": "cohort", "by": "manager",
 *                     "as_of": "2027-01-01T00:00:00Z"}`; `start` and `end` (UTC days, inclusive: when
 *                     the leads were received) are required, `end` not before `start` (else
 *                     CRM_STATUS_VALIDATION with field `end`). `mode` is `cohort` (the default: each
 *                     lead at the furthest step it ever reached) or `snapshot` (the leads as they stood
 *                     at `as_of`). `by` splits the funnel per `manager` (the lead's owner now), `source`
 *                     or `channel` as well as the total (null: no split). `as_of` (RFC 3339) is the
 *                     moment the funnel is read at: only what happened before it counts; left out, a
 *                     cohort sees everything recorded so far and a snapshot is read at the end of `end`
 * @param report_json  receives `{"mode": "cohort", "start": ..., "end": ..., "as_of": (or null), "by":
 *                     (or null), "steps": [...], "groups": [{"key": "2", "label": "Olena Koval",
 *                     "manager_id": 2, "source_id": null, "channel": null, "steps": [...]}, ...]}`. A
 *                     step: `{"code": "qualified", "label": ..., "kind": "lead" (or "stage", "won"),
 *                     "entered": 40, "conversion_from_previous": 0.5, "conversion_from_first": 0.25,
 *                     "dropped": 12, "lost_reasons": [{"reason": "price", "count": 5}, ...], "lost": 5,
 *                     "junk": 1, "open": 6, "current": 7, "timed": 30, "median_seconds": 86400,
 *                     "p90_seconds": 432000}`: `entered` the leads that reached the step or a later
 *                     one; conversions JSON numbers (null for the first step or when the divisor is 0);
 *                     `dropped` = `lost` + `junk` + `open` those whose furthest step it is (lost by
 *                     reason, most frequent first); `current` those in it at the moment read; times in
 *                     the step in seconds over the `timed` leads that left it (null when none did).
 *                     Groups: ids ascending, channels in declaration order, `none` (no owner or source)
 *                     last; `[]` when not split
 */
crm_status_t crm_funnel(const crm_t *crm,
                        const char *query_json,
                        char **report_json);

/**
 * Leads, clients, revenue and spend per marketing source, with cost per lead, CAC and ROMI. Counts
 * the leads received and the spend booked in the period; a source's spend is counted once however many
 * deals it brought.
 *
 * @param query_json  `{"start": "2026-01-01", "end": "2026-12-31", "horizon_days": 365}`; `start` and
 *                    `end` (UTC days, inclusive) are required, `end` not before `start`;
 *                    `horizon_days` (365 by default): a converted client's completed orders count as
 *                    the source's revenue from its first conversion from the source up to this many
 *                    days later
 * @param rows_json   receives `[{"source_id": 1, "name": "Google Ads", "campaign": "spring", "channel":
 *                    "web", "leads": 120, "junk": 8, "qualified": 40, "converted": 20,
 *                    "conversion_rate": 0.1667, "clients": 18, "clients_won": 12, "revenue":
 *                    "96000.00", "spend": "12000.00", "cost_per_lead": "100.00", "cac": "1000.00",
 *                    "romi": 7.0}, ...]`: every source with leads or spend in the period, then a row
 *                    with `source_id` null and name `none` for the leads without a source (no spend).
 *                    `leads` includes junk; `qualified` those ever qualified; `clients` the distinct
 *                    clients the converted leads became, `clients_won` those with a won deal from the
 *                    source's leads. `cost_per_lead` = spend / leads and `cac` = spend / clients_won
 *                    (money, half away from zero), `romi` = (revenue − spend) / spend (a JSON number);
 *                    each null without spend or when its divisor is 0. Ordered by ROMI, highest first,
 *                    rows without ROMI after, ties by source id, `none` last
 */
crm_status_t crm_source_report(const crm_t *crm,
                               const char *query_json,
                               char **rows_json);

/**
 * The forecast of the open pipeline, by expected close month and by stage: weighted by the stages'
 * probabilities and, beside it, by the win rates of the deals closed in a history window.
 *
 * @param query_json   `{"as_of": "2026-11-30T00:00:00Z", "history_start": "2025-12-01"}`; `as_of`
 *                     (RFC 3339) is required: a deal whose expected close date is before its UTC day is
 *                     overdue and counted in its month; the history of closed deals runs from
 *                     `history_start` (a day; by default 365 days before `as_of`'s) to `as_of`
 * @param report_json  receives `{"as_of": ..., "history_start": "2025-12-01", "months": [{"month":
 *                     "2026-11", "overdue": 1, "deals": 3, "amount": "9000.00", "weighted":
 *                     "4500.00", "historic": "3000.00"}, ..., {"month": null, ...}], "stages":
 *                     [{"stage": "proposal", "label": ..., "probability": 50, "history_closed": 10,
 *                     "history_won": 4, "history_rate": 0.4, "deals": 2, "amount": ..., "weighted":
 *                     ..., "historic": ...}, ...], "total": {"deals": 5, "amount": ..., "weighted": ...,
 *                     "historic": ...}}`: months oldest first, only those with deals, the deals without
 *                     an expected close date last (`month` null); every stage in pipeline order;
 *                     `weighted` = amount × probability / 100 and `historic` = amount × the stage's
 *                     historic win rate (0 without history: `history_rate` null), each deal's rounded
 *                     half away from zero to the cent, so months, stages and total add up exactly
 */
crm_status_t crm_forecast(const crm_t *crm,
                          const char *query_json,
                          char **report_json);

/**
 * Which commercial offers led to sales, which objections were met and which arguments overcame them:
 * from the `offer`, `objection` and `argument` codes of the activities logged in a period (see
 * crm_log_activity()). An activity is followed through its deal, else its lead (one with only a client
 * counts as sent or met but is not tracked); a lead succeeds by converting, a deal by being won, at or
 * after the activity (for an offer: its first sending to that lead or deal), whenever that happened.
 *
 * @param query_json   `{"start": "2026-10-01", "end": "2026-12-31"}`, both required (UTC days of the
 *                     activities, inclusive), `end` not before `start`
 * @param report_json  receives `{"start": ..., "end": ..., "offers": [{"offer": "KP-wholesale",
 *                     "sent": 12, "leads": 5, "deals": 4, "leads_converted": 2, "deals_won": 1,
 *                     "conversion_rate": 0.3333}, ...], "objections": [{"objection": "too_expensive",
 *                     "met": 9, "tracked": 8, "overcome": 3, "rate": 0.375, "arguments": [{"argument":
 *                     "delivery_included", "used": 5, "tracked": 5, "overcome": 3, "rate": 0.6}, ...,
 *                     {"argument": null, ...}]}, ...]}`: offers by `sent` and objections by `met`, most
 *                     first, then by code; arguments by `used`, the row of "no argument" (null) last
 *                     among equals; rates JSON numbers, null when nothing was tracked
 */
crm_status_t crm_offer_report(const crm_t *crm,
                              const char *query_json,
                              char **report_json);

/**
 * Sets a manager's sales plan for a calendar month: the revenue (completed orders of the manager's
 * clients) and the number of won deals expected. A plan already set for the month is replaced; a
 * `plan_set` event on the manager records the old plan (or null) and the new one. Setting the same plan
 * again writes nothing.
 *
 * @param new_plan_json  `{"manager_id": 2, "month": "2026-11", "revenue": "150000.00", "deals": 6}`;
 *                       `manager_id` and `month` (`YYYY-MM`) are required, `revenue` and `deals`
 *                       default to 0. An unknown manager is CRM_STATUS_NOT_FOUND; a malformed month or
 *                       a negative revenue is CRM_STATUS_VALIDATION naming the field
 * @param at             RFC 3339 time of the change
 * @param plan_json      receives the plan as stored: `{"manager_id": 2, "month": "2026-11", "revenue":
 *                       "150000.00", "deals": 6}`
 */
crm_status_t crm_set_plan(crm_t *crm,
                          const char *new_plan_json,
                          const char *at,
                          char **plan_json);

/**
 * Removes a manager's plan for a month; the event is `plan_removed` on the manager.
 *
 * @param manager_id  the manager; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param month       the month, `YYYY-MM`; CRM_STATUS_NOT_FOUND when the manager has no plan for it,
 *                    CRM_STATUS_VALIDATION when it is not a month
 * @param at          RFC 3339 time of the change
 * @param plan_json   receives the plan as it was before it was removed
 */
crm_status_t crm_remove_plan(crm_t *crm,
                             int64_t manager_id,
                             const char *month,
                             const char *at,
                             char **plan_json);

/**
 * Sales plans of one manager or of all, for a range of months, ordered by month, then manager id.
 *
 * @param manager_id  a manager's id, or 0 for every manager
 * @param from_month  the first month, `YYYY-MM`, or NULL (no lower bound)
 * @param to_month    the last month, `YYYY-MM`, included, or NULL (no upper bound); a malformed month
 *                    is CRM_STATUS_VALIDATION naming `from_month` or `to_month`
 * @param plans_json  receives a JSON array of plans (see crm_set_plan())
 */
crm_status_t crm_plans(const crm_t *crm,
                       int64_t manager_id,
                       const char *from_month,
                       const char *to_month,
                       char **plans_json);

/**
 * The manager report for whole UTC days: per manager, the requests received and how they were
 * answered, converted and lost; deals won; revenue and average order of the manager's clients; and
 * the plan against the actual figures for each calendar month touching the period. Request figures
 * are about the leads received in the period that the manager owns now, as they stand; sales figures
 * about deals won and orders completed in the period.
 *
 * @param query_json  `{"start": "2026-11-01", "end": "2026-11-30"}`, both required; `end` before
 *                    `start`, or a period longer than ten years, is CRM_STATUS_VALIDATION
 * @param rows_json   receives `[{"manager_id": 2, "name": "Olena Koval", "active": true, "received":
 *                    40, "answered": 38, "unanswered": 2, "working_time": true,
 *                    "response_median_secs": 1800, "response_p90_secs": 7200, "sla_counted": 36,
 *                    "sla_met": 33, "sla_met_share": 0.9167, "converted": 12, "lost": 9, "junk": 3,
 *                    "conversion_rate": 0.3243, "deals_won": 5, "won_amount": "64000.00", "orders": 21,
 *                    "revenue": "88000.00", "average_order": "4190.48", "promises_kept": 0.75,
 *                    "months": [{"month": "2026-11", "from": "2026-11-01", "to": "2026-11-30",
 *                    "plan_revenue": "100000.00", "plan_deals": 6, "revenue": "88000.00", "deals": 5,
 *                    "revenue_achieved": 0.88, "deals_achieved": 0.8333}]}, ...]`, by manager id.
 *                    Response times are seconds, of working time when a calendar applies
 *                    (`working_time` true: the manager's, else the store's), else elapsed; medians and
 *                    p90 by nearest rank, null when nothing was answered. `sla_counted` are the leads
 *                    whose deadline is decided (answered, or passed by the period's end), `sla_met`
 *                    those answered in time. `conversion_rate` = converted / (received − junk).
 *                    `promises_kept` = kept / (kept + broken) over the promises the manager made
 *                    that fall due in the period, as they stand now (see crm_promise(); cancelled and
 *                    still open ones count neither way), a JSON number, null when none is decided. A
 *                    month's actual figures count from its first day to its last or to the period's
 *                    end (`to`); its plan fields are null without a plan, the achieved shares null
 *                    without a plan or with a zero one
 */
crm_status_t crm_manager_report(const crm_t *crm,
                                const char *query_json,
                                char **rows_json);

/**
 * Sets how the dormancy ladder reads a client's rhythm. A client's expected gap is the gap between its
 * purchase days (the distinct UTC days of its completed orders; the median gap with three or more),
 * never shorter than `min_gap_days`; it is `cooling` from the start of the day `cooling_after` gaps
 * after its last purchase day, `dormant` after `dormant_after` gaps, `lost` after `lost_after` gaps,
 * `active` before. A client with one purchase day follows the flat rule in days instead. As time
 * passes a client only moves down; a purchase on a later day brings it back. The next crm_run_due()
 * recomputes every placed client (without a newer purchase a client never climbs back up). Logs a
 * `dormancy_set` event on `settings` (id 0; data: `old`, `new`); the same settings again write nothing.
 *
 * @param settings_json      `{"min_gap_days": 7, "cooling_after": 1.5, "dormant_after": 3.0,
 *                           "lost_after": 6.0, "single_cooling_days": 60, "single_dormant_days": 120,
 *                           "single_lost_days": 365}` (the defaults); a field left out takes its
 *                           default. The multipliers are JSON numbers, the days whole numbers; each
 *                           must be above 0 (at most 10000) and increase down the ladder (cooling <
 *                           dormant < lost), else CRM_STATUS_VALIDATION naming the field
 * @param at                 RFC 3339 time of the change
 * @param new_settings_json  receives the settings now in force, in the same shape
 */
crm_status_t crm_set_dormancy_settings(crm_t *crm,
                                       const char *settings_json,
                                       const char *at,
                                       char **new_settings_json);

/**
 * The dormancy ladder's settings: the stored ones, or the defaults until crm_set_dormancy_settings() is
 * called.
 *
 * @param settings_json  receives the settings (see crm_set_dormancy_settings())
 */
crm_status_t crm_dormancy_settings(const crm_t *crm,
                                   char **settings_json);

/**
 * One client's buying rhythm as of a time, with its place on the ladder by the rule and as the last
 * crm_run_due() stored it. Nothing is written.
 *
 * @param client_id    the client; CRM_STATUS_NOT_FOUND when there is none
 * @param as_of        RFC 3339 time to read it for: only completed orders placed by then count
 * @param rhythm_json  receives `{"client_id": 1, "as_of": ..., "purchase_days": ["2026-08-01",
 *                     "2026-08-31", ...] (ascending), "last_purchase": "2026-10-30",
 *                     "expected_gap_days": 30.0, "days_since_last": 28, "state": "active",
 *                     "stored_state": "active", "stored_since": ..., "next_state": "cooling",
 *                     "next_at": "2026-12-14T00:00:00Z"}`: `expected_gap_days` a JSON number (null
 *                     with fewer than two purchase days: the flat rule), `state` the rung at `as_of` by
 *                     the rule (null without a purchase), `stored_state` and `stored_since` what the
 *                     last crm_run_due() left (null: never placed), `next_state` and `next_at` the
 *                     next rung down and when it starts without a purchase (null at `lost`)
 */
crm_status_t crm_client_rhythm(const crm_t *crm,
                               int64_t client_id,
                               const char *as_of,
                               char **rhythm_json);

/**
 * Clients per rung at `as_of` and one row per client with a completed order placed by then, whether or
 * not crm_run_due() ever ran: a client whose stored rhythm is current (its purchases unchanged since the
 * last run, all of them by `as_of`) is read from it (its rung at `as_of` by the rule, never above the
 * stored one once that rung was reached), every other client from its orders placed by `as_of`. So a
 * report in the past reads the past. Nothing is written.
 *
 * @param query_json   `{"as_of": "2026-11-27T00:00:00Z", "with_p_alive": false}`; `as_of` is required.
 *                     `with_p_alive` adds each client's P(alive) as of `as_of`'s date (a BG/NBD fit
 *                     over every client: costly on a big store; see crm_p_alive())
 * @param report_json  receives `{"as_of": ..., "counts": {"active": 40, "cooling": 7, "dormant": 3,
 *                     "lost": 2}, "rows": [{"client_id": 1, "state": "cooling", "expected_gap_days":
 *                     30.0, "last_purchase": "2026-10-01", "days_since_last": 57, "p_alive": 0.62},
 *                     ...]}`: one row per client with a completed order placed by `as_of`, by client
 *                     id; `expected_gap_days` null under the flat rule, `p_alive` a JSON number, null
 *                     unless asked for and a model could be fitted
 */
crm_status_t crm_dormancy_report(const crm_t *crm,
                                 const char *query_json,
                                 char **report_json);

/**
 * How many clients stand on each rung as the last crm_run_due() left them (an index read: cheap on any
 * store). The segment language reads the same state as the field `dormancy` (`dormancy = 'dormant'`).
 *
 * @param counts_json  receives `{"active": 40, "cooling": 7, "dormant": 3, "lost": 2}`
 */
crm_status_t crm_dormancy_counts(const crm_t *crm,
                                 char **counts_json);

/**
 * Adds a retention rule, or replaces the rule in force of the same name (keeping its id, so its
 * cool-downs and its lines of the report carry on). Each crm_run_due() runs the active rules by id: a
 * rule acts on every client its condition matches as of `now`, except those it acted on within its
 * cool-down (and, for a task, lost clients); each act is a RuleFire in the run's `fired`. Every store
 * starts with five rules (see crm_retention_rules()). Logs a `created` or `replaced` event on the
 * `retention_rule` (data: the rule, or `old` and `new`); adding the same rule again writes nothing.
 *
 * @param new_rule_json  `{"name": "reactivate dormant", "condition": "dormancy = 'dormant'", "action":
 *                       {"kind": "task", "task_kind": "reactivate", "title": "Call {client}", "due_in":
 *                       "2d", "to": "owner"}, "cooldown_days": 30, "daily_limit": 10, "active": true}`;
 *                       all but `daily_limit` (null by default: no limit) and `active` (true by default)
 *                       are required. `daily_limit` is at most this many clients per owner per UTC day
 *                       (clients without an owner count as one owner), from 1 to 1000000 (else
 *                       CRM_STATUS_VALIDATION with field `daily_limit`): a rule that suddenly matches
 *                       many clients spreads the work over the days, the clients left waiting for the
 *                       next runs, lowest id first. `condition` is about clients in the segment
 *                       language (any client field, `has tag`, `abc`, `rfm_segment`, `p_alive`,
 *                       `dormancy`, `days_to_birthday`, `open_complaints` …): a bad one is
 *                       CRM_STATUS_VALIDATION with field `condition` (and its `line` and `column`).
 *                       `cooldown_days` from 1 to 36600 (else CRM_STATUS_VALIDATION with field
 *                       `cooldown_days`). The `action`, by `kind`:
 *                       - `task`: a task about the client; `task_kind` a code, `title` a template
 *                         (`{client}`, `{client_id}`, `{owner}`, `{days_since_last_order}`,
 *                         `{cross_sell}`; `{{` and `}}` for braces; any other placeholder is refused),
 *                         `due_in` calendar time after the run (`2d`, `1d12h`, `3w`, `0h`; units `w`,
 *                         `d`, `h`, `m`), `to` `"owner"` (the default: the client's owner when the rule
 *                         fires) or a manager's id;
 *                       - `tag`: `{"kind": "tag", "tag": "win-back"}` adds the tag;
 *                       - `mailing`: `{"kind": "mailing", "segment": "win-back mailing"}` tags the
 *                         client with the segment's name; the saved segment `has tag '<name>'` is
 *                         created when missing (one of that name selecting other clients is refused),
 *                         so crm_export_segment() writes the mailing list;
 *                       - `reassign`: `{"kind": "reassign", "manager": 3}` gives the client to that
 *                         manager, or with `null` to whoever the routing rules choose; a client locked
 *                         to its owner, or one nobody can take, is left alone and tried again later.
 *                       An unknown `kind` or field is CRM_STATUS_INVALID_JSON; a bad action field
 *                       CRM_STATUS_VALIDATION naming it (`action.title`, `action.due_in`, `action.to`,
 *                       `action.task_kind`, `action.segment`, `action.manager`)
 * @param at             RFC 3339 time of the change
 * @param rule_json      receives the stored RetentionRule: `{"id": 6, "name": ..., "condition": (in
 *                       canonical form), "action": {...}, "cooldown_days": 30, "daily_limit": null,
 *                       "active": true, "created_at": ..., "updated_at": ...}`
 */
crm_status_t crm_add_retention_rule(crm_t *crm,
                                    const char *new_rule_json,
                                    const char *at,
                                    char **rule_json);

/**
 * Pauses (`active` false) or resumes a retention rule. Logs an `active_changed` event on the
 * `retention_rule` (data: `{"active": false}`); setting the state it has writes nothing.
 *
 * @param name       the rule's name; CRM_STATUS_NOT_FOUND when no rule in force has it
 * @param active     whether crm_run_due() runs it
 * @param at         RFC 3339 time of the change
 * @param rule_json  receives the rule as stored now
 */
crm_status_t crm_set_retention_rule_active(crm_t *crm,
                                           const char *name,
                                           bool active,
                                           const char *at,
                                           char **rule_json);

/**
 * Removes a retention rule. Its tasks stay, and crm_retention_report() still lists them under its
 * name; the name is free for a new rule. Logs a `removed` event on the `retention_rule` (data: the
 * rule).
 *
 * @param name       the rule's name; CRM_STATUS_NOT_FOUND when no rule in force has it
 * @param at         RFC 3339 time of the change
 * @param rule_json  receives the rule as it was before it was removed
 */
crm_status_t crm_remove_retention_rule(crm_t *crm,
                                       const char *name,
                                       const char *at,
                                       char **rule_json);

/**
 * The retention rules in force, by id: the order crm_run_due() runs them. Until changed, the five every
 * store starts with (each a task for the client's owner): `reactivate dormant A-client` (`dormancy =
 * 'dormant' and abc = 'A'`, task `reactivate` due in 2 days, every 30 days), `thank after first
 * purchase` (`orders = 1 and first_order >= 3d ago`, `thank_you` with `{cross_sell}`, once in ten
 * years), `call after resolved complaint` (`days_since_complaint_resolved between 7 and 13`,
 * `complaint_follow_up`, every 14 days), `birthday` (`days_to_birthday = 0`, `congratulate`, every 300
 * days) and `re-verify stale details` (`dormancy = 'active' and updated < 365d ago`, `verify_details`,
 * every 365 days, at most ten clients per owner a day); only the last has a daily limit. Change one with crm_add_retention_rule() under its name, pause it with
 * crm_set_retention_rule_active() or remove it.
 *
 * @param rules_json  receives a JSON array of RetentionRules (see crm_add_retention_rule())
 */
crm_status_t crm_retention_rules(const crm_t *crm,
                                 char **rules_json);

/**
 * One retention rule in force, by name.
 *
 * @param name       the rule's name; CRM_STATUS_NOT_FOUND when no rule in force has it
 * @param rule_json  receives the RetentionRule (see crm_add_retention_rule())
 */
crm_status_t crm_get_retention_rule(const crm_t *crm, const char *name, char **rule_json);

/**
 * Did the retention work pay off, for whole UTC days: per rule, per manager and in total, the tasks the
 * rules made in the period, how many were done, and how many were followed by a completed order of
 * their client within the window (the reactivation rate); and the repeat-purchase rate of clients
 * whose complaint was resolved in the period within its deadlines against those whose was not.
 *
 * @param query_json   `{"start": "2026-11-01", "end": "2026-11-30", "window_days": 30}`; `start` and
 *                     `end` are required, `window_days` 30 by default. `end` before `start` or a period
 *                     of ten years or more is CRM_STATUS_VALIDATION with field `end`; a window outside
 *                     1..3660 days one with field `window_days`
 * @param report_json  receives `{"start": ..., "end": ..., "window_days": 30, "rules": [{"rule_id": 1,
 *                     "rule": "reactivate dormant A-client", "tasks": 12, "done": 9, "ordered": 4,
 *                     "rate": 0.3333}, ...], "managers": [{"manager_id": 2, "tasks": ..., "done": ...,
 *                     "ordered": ..., "rate": ...}, ...], "total": {"tasks": ..., "done": ...,
 *                     "ordered": ..., "rate": ...}, "complaints_within_sla": {"clients": 5, "ordered":
 *                     3, "rate": 0.6}, "complaints_breached": {"clients": 2, "ordered": 0, "rate":
 *                     0.0}}`. `tasks` are those created in the period, `done` of them done by now,
 *                     `ordered` those whose client completed an order placed within `window_days` after
 *                     the task was created (not at the same instant); `rate` = ordered / tasks (or /
 *                     clients), a JSON number, null when the divisor is 0. Rules by id (a removed rule
 *                     keeps its line under its last name), managers by id with tasks for nobody
 *                     (`manager_id` null) first. A client with several complaints resolved in the
 *                     period is judged once, by the last (resolution time, then id): within SLA when
 *                     both its deadlines were met
 */
crm_status_t crm_retention_report(const crm_t *crm,
                                  const char *query_json,
                                  char **report_json);

/**
 * The catalogue of fields an expression about `subject` may name, in documentation order: the
 * language's reference for a host (a hint list in an editor, a check before saving). It does not depend
 * on the store's contents.
 *
 * @param subject      `clients` (segments) or `leads` (routing and response-time conditions); any
 *                     other text is CRM_STATUS_VALIDATION
 * @param fields_json  receives `[{"name": "days_since_last_order", "type": "days", "values": [],
 *                     "nullable": true, "doc": "..."}, ...]` (see "The segment language" above)
 */
crm_status_t crm_segment_fields(const crm_t *crm,
                                const char *subject,
                                char **fields_json);

/**
 * Checks an expression about `subject` against the field catalogue and the store's managers and
 * sources (a name in quotes must exist), and gives it back in canonical form. Nothing is written.
 *
 * @param subject     `clients` or `leads`
 * @param expression  an expression of the segment language (`orders >= 2 and region = 'Kyiv'`)
 * @param canonical   receives the expression in canonical form, as plain text (not JSON); a malformed
 *                    or mistyped expression is CRM_STATUS_VALIDATION with field `expression`, and
 *                    crm_last_error_json() gives its `line` and `column`
 */
crm_status_t crm_check_expression(const crm_t *crm,
                                  const char *subject,
                                  const char *expression,
                                  char **canonical);

/**
 * Saves a segment of clients under a name: an expression about clients, checked now (as
 * crm_check_expression()) and stored as written. Saving a name again replaces its expression (the same
 * expression again changes nothing). A name that itself reads as an expression (`orders > 1`,
 * `has tag 'vip'`) is CRM_STATUS_VALIDATION with field `name`: crm_segment() could not tell it from
 * one.
 *
 * @param name          the segment's name (`lapsed_vip`), unique
 * @param expression    the expression (`has tag 'vip' and days_since_last_order > 90`)
 * @param segment_json  receives the stored segment (see the Segment record above)
 */
crm_status_t crm_save_segment(crm_t *crm,
                              const char *name,
                              const char *expression,
                              const char *at,
                              char **segment_json);

/**
 * Deletes a saved segment and its recorded members; the events of its history and its members'
 * `segment_entered` / `segment_left` events stay. CRM_STATUS_NOT_FOUND when there is none by that name.
 *
 * @param segment_json  receives the segment as it was before it was deleted
 */
crm_status_t crm_delete_segment(crm_t *crm,
                                const char *name,
                                const char *at,
                                char **segment_json);

/**
 * Computes a saved segment's members as of `as_of`, compares them with the last refresh (nobody before
 * the first), records the new members, and logs an event on each client who entered
 * (`segment_entered`) or left (`segment_left`), dated `as_of`, with data `{"segment_id", "segment"}`.
 * A refresh dated before the segment's last one is CRM_STATUS_VALIDATION with field `as_of`.
 *
 * @param name         a saved segment's name; CRM_STATUS_NOT_FOUND when there is none
 * @param as_of        RFC 3339 time of the evaluation (and of the events)
 * @param change_json  receives `{"segment_id": 1, "name": "lapsed_vip", "as_of": ..., "entered": [3, 7],
 *                     "left": [2], "members": 12}` (see the SegmentChange record above)
 */
crm_status_t crm_refresh_segment(crm_t *crm,
                                 const char *name,
                                 const char *as_of,
                                 char **change_json);

/**
 * One saved segment, by name.
 *
 * @param segment_json  receives the segment; CRM_STATUS_NOT_FOUND when there is none by that name
 */
crm_status_t crm_get_segment(const crm_t *crm, const char *name, char **segment_json);

/**
 * Every saved segment, by name.
 *
 * @param segments_json  receives a JSON array of segments
 */
crm_status_t crm_list_segments(const crm_t *crm, char **segments_json);

/**
 * The clients in a segment as of `as_of`, ascending. Nothing is recorded (see crm_refresh_segment()).
 *
 * @param which            a saved segment's name, or an expression about clients (`orders >= 2 and
 *                         days_since_last_order > 90`); a saved name wins. A single word that is
 *                         neither a saved name nor an expression is CRM_STATUS_NOT_FOUND; a malformed
 *                         expression is CRM_STATUS_VALIDATION with field `expression` (and `line` and
 *                         `column`)
 * @param as_of            RFC 3339 time of the evaluation: order figures count orders placed by then,
 *                         clients added after it are not members
 * @param client_ids_json  receives a JSON array of client ids (`[1, 4, 9]`)
 */
crm_status_t crm_segment(const crm_t *crm,
                         const char *which,
                         const char *as_of,
                         char **client_ids_json);

/**
 * How many clients are in a segment as of `as_of` (as crm_segment(), without the list).
 *
 * @param count  receives the number of members
 */
crm_status_t crm_segment_count(const crm_t *crm,
                               const char *which,
                               const char *as_of,
                               int64_t *count);

/**
 * Writes a segment's members as of `as_of` as CSV (RFC 4180, UTF-8, `\r\n` line ends, for a mailing
 * tool) into a file: a header line
 * `client_id,name,kind,email,phone,contact_name,contact_email,contact_phone,region,industry,owner_id,tags`,
 * then one row per client by id (the contact is the client's first contact person; tags are joined
 * with `;`; a value starting with `=` or `@` gets a leading `'`, so that a spreadsheet does not run
 * it as a formula). The file is created, or truncated if it exists, once the segment is known to be valid: a
 * failure of `which` leaves it untouched. A file that cannot be created or written is
 * CRM_STATUS_STORAGE (the message starts with `i/o:`); a write failure may leave part of the export
 * in the file.
 *
 * @param which  a saved segment's name or an expression, as crm_segment()
 * @param as_of  RFC 3339 time of the evaluation
 * @param path   the file to write, UTF-8; not empty (else CRM_STATUS_VALIDATION)
 * @param rows   receives the number of clients written (the lines after the header)
 */
crm_status_t crm_export_segment(const crm_t *crm,
                                const char *which,
                                const char *as_of,
                                const char *path,
                                int64_t *rows);

/**
 * Whether one client matches an expression about clients as of `as_of` (as crm_segment() would count
 * it: a client added after `as_of` does not match). CRM_STATUS_NOT_FOUND when there is no such client.
 *
 * @param expression  an expression about clients (not a saved segment's name)
 * @param matches     receives true when the whole condition is true (false when it is false or unknown)
 */
crm_status_t crm_client_matches(const crm_t *crm,
                                const char *expression,
                                int64_t client_id,
                                const char *as_of,
                                bool *matches);

/**
 * Whether one lead matches an expression about leads (a routing or response-time condition:
 * `channel = 'web' and hour between 9 and 17`) as of `as_of`. CRM_STATUS_NOT_FOUND when there is no
 * such lead.
 *
 * @param expression  an expression about leads
 * @param matches     receives true when the whole condition is true (false when it is false or unknown)
 */
crm_status_t crm_lead_matches(const crm_t *crm,
                              const char *expression,
                              int64_t lead_id,
                              const char *as_of,
                              bool *matches);

/**
 * Adds a task for a manager (call back, send an offer, visit, reactivate …), about a client, lead or
 * deal, due at a time or undated. Logs a task `created` event (data: the Task).
 *
 * @param new_task_json  `{"kind": "call_back", "title": "Call about the winter order", "manager_id":
 *                       2, "client_id": 1, "lead_id": null, "deal_id": null, "due_at":
 *                       "2026-11-27T10:00:00Z"}`; `kind` and `title` are required. `kind` is a code of
 *                       lowercase letters, digits and `_` (else CRM_STATUS_VALIDATION with field
 *                       `kind`); an empty title is CRM_STATUS_VALIDATION with field `title`. The
 *                       manager, client, lead and deal given must exist (else CRM_STATUS_NOT_FOUND);
 *                       a lead's or deal's client must be the client given (else
 *                       CRM_STATUS_VALIDATION with field `lead_id` or `deal_id`), and the client
 *                       defaults to theirs. A task without a manager is on nobody's agenda
 * @param at             RFC 3339 time of the change
 * @param task_json      receives the stored Task (see crm_list_tasks()); its `origin` is null
 */
crm_status_t crm_add_task(crm_t *crm,
                          const char *new_task_json,
                          const char *at,
                          char **task_json);

/**
 * Completes an open task, recording what came of it. A task about a client, lead or deal gets an
 * activity logged on them by the task's manager (as crm_log_activity() would, so an outbound contact
 * may be a lead's first response): its kind by `activity_kind` or by default from the task's kind (a
 * call for `call_back`, `call`, `reactivate`, `promise`, `follow_up`, `complaint_escalation`,
 * `sla_escalation` and `queued_lead`; a meeting for `visit` and `meeting`; a document for `send_offer`
 * and `offer`; a note otherwise), direction out unless given, subject the task's title, outcome the
 * outcome, body the note. The task is then done, with its `outcome` and `activity_id` (null when it
 * was about nothing); one transaction. Logs a task `completed` event (data: `outcome`, `note`,
 * `activity_id`). A task already done or cancelled is CRM_STATUS_INVALID_TRANSITION.
 *
 * @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none
 * @param done_json  `{"outcome": "reached, will order next week", "note": "...", "activity_kind":
 *                   "call", "direction": "out"}`; `outcome` is required (empty: CRM_STATUS_VALIDATION
 *                   with field `outcome`). `activity_kind` is call, email, meeting, message, note or
 *                   document; `direction` in or out (ignored for a note)
 * @param at         RFC 3339 time it was done
 * @param task_json  receives the task as stored now (`status` `done`, `closed_at`, `outcome`,
 *                   `activity_id`)
 */
crm_status_t crm_complete_task(crm_t *crm,
                               int64_t task_id,
                               const char *done_json,
                               const char *at,
                               char **task_json);

/**
 * Moves an open task's due time, or makes it undated. Logs a task `rescheduled` event (data: `from`,
 * `to`); the same due time again writes nothing. A task done or cancelled is
 * CRM_STATUS_INVALID_TRANSITION.
 *
 * @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none
 * @param due_at     the new RFC 3339 due time, or NULL to leave the task undated; text that is not a
 *                   time is CRM_STATUS_VALIDATION with field `due_at`
 * @param at         RFC 3339 time of the change
 * @param task_json  receives the task as stored now
 */
crm_status_t crm_reschedule_task(crm_t *crm,
                                 int64_t task_id,
                                 const char *due_at,
                                 const char *at,
                                 char **task_json);

/**
 * A manager's agenda at `now`: their open tasks in four lists. Nothing is written.
 *
 * @param manager_id   the manager; CRM_STATUS_NOT_FOUND when there is none with this id
 * @param now          RFC 3339 time to read the agenda at
 * @param agenda_json  receives `{"manager_id": 2, "now": ..., "overdue": [...], "today": [...],
 *                     "upcoming": [...], "undated": [...]}`, each a JSON array of Tasks (see
 *                     crm_list_tasks()): `overdue` due before `now`, the longest overdue first; `today`
 *                     due from `now` to the end of the manager's calendar day (their own calendar, else
 *                     the store's, else UTC), `upcoming` due after today and within the next 7 calendar
 *                     days, each by due time; ties by id; `undated` the open tasks without a due time,
 *                     by id. Tasks due later than that are on none of the lists
 */
crm_status_t crm_agenda(const crm_t *crm,
                        int64_t manager_id,
                        const char *now,
                        char **agenda_json);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* CRM_H */
