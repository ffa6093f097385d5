/**
 * The OpenMetrics conformance cases that are invalid OpenMetrics (`shouldParse: false`) and that
 * the lenient parser nevertheless accepts, each with the reason: Prometheus 3's scrape accepts
 * them, and ignis scrapes what Prometheus scrapes.
 *
 * Prometheus's OpenMetrics parser checks the grammar of each line, a valid TYPE, a UNIT that is
 * a suffix of the name, and `# EOF`; it checks nothing that involves values' meaning or other
 * lines. Its scrape loop then fails the whole scrape only for an invalid label set (a duplicate
 * label name, say); out-of-order or duplicate timestamps are counted and skipped, and exemplars
 * that storage refuses are dropped. Every case the strict validator rejects and this list does
 * not name must be rejected by the lenient parser too. The conformance test enforces both.
 */

const VALUE = "Prometheus's parser does not look at what a value means; the sample is stored";
const CROSS_LINE = "Prometheus's parser streams line by line and checks no rule spanning lines";
const METADATA = "Prometheus's parser takes each metadata line on its own; later ones overwrite earlier ones";
const OUT_OF_ORDER =
  'the later sample is skipped as out of order (counted, not an error); the scrape succeeds';

/** Case name → why Prometheus (and so ignis's lenient mode) accepts it. */
export const OM_LENIENT_ACCEPTS: Readonly<Record<string, string>> = {
  bad_clashing_names_0: `repeated TYPE for a family: ${METADATA}`,
  bad_clashing_names_1: `two TYPEs for one name: ${METADATA}`,
  bad_clashing_names_2: `a family whose samples could clash with another's: ${CROSS_LINE}`,
  bad_counter_values_0: `NaN counter total: ${VALUE}`,
  bad_counter_values_1: `negative counter total: ${VALUE}`,
  bad_counter_values_2: `NaN histogram sum: ${VALUE}`,
  bad_counter_values_3: `NaN histogram count: ${VALUE}`,
  bad_counter_values_4: `NaN histogram bucket: ${VALUE}`,
  bad_counter_values_5: `negative histogram sum: ${VALUE}`,
  bad_counter_values_6: `negative histogram count: ${VALUE}`,
  bad_counter_values_7: `negative histogram bucket: ${VALUE}`,
  bad_counter_values_8: `negative sum with negative buckets: ${VALUE}`,
  bad_counter_values_9: `a sum although buckets are negative: ${CROSS_LINE}`,
  bad_counter_values_10: `NaN gaugehistogram bucket: ${VALUE}`,
  bad_counter_values_11: `negative gaugehistogram bucket and gcount: ${VALUE}`,
  bad_counter_values_12: `negative gaugehistogram bucket: ${VALUE}`,
  bad_counter_values_13: `negative gsum without negative buckets: ${CROSS_LINE}`,
  bad_counter_values_14: `NaN gsum: ${VALUE}`,
  bad_counter_values_15: `NaN summary sum: ${VALUE}`,
  bad_counter_values_16: `NaN summary count: ${VALUE}`,
  bad_counter_values_17: `negative summary sum: ${VALUE}`,
  bad_counter_values_18: `negative summary count: ${VALUE}`,
  bad_counter_values_19: `negative quantile value: ${VALUE}`,
  bad_exemplar_complex_chars:
    'the exemplar exceeds 128 code points; Prometheus parses it and its exemplar storage drops it without failing the scrape (the lenient parser drops it too)',
  bad_exemplars_6:
    'the exemplar exceeds 128 characters; Prometheus parses it and its exemplar storage drops it without failing the scrape (the lenient parser drops it too)',
  bad_exemplars_on_unallowed_metric_types_0: `exemplar on a gauge: Prometheus stores exemplars on any sample`,
  bad_exemplars_on_unallowed_metric_types_1: `exemplar on an info sample: Prometheus stores exemplars on any sample`,
  bad_exemplars_on_unallowed_metric_types_2: `exemplar on a stateset: Prometheus stores exemplars on any sample`,
  bad_exemplars_on_unallowed_samples_0: `exemplar on a histogram _sum: Prometheus stores exemplars on any sample`,
  bad_exemplars_on_unallowed_samples_1: `exemplar on a sample outside its family: Prometheus stores exemplars on any sample`,
  bad_exemplars_on_unallowed_samples_2: `exemplar on a gauge named _bucket: Prometheus stores exemplars on any sample`,
  bad_exemplars_on_unallowed_samples_3: `exemplar on a counter _created: Prometheus stores exemplars on any sample`,
  bad_grouping_or_ordering_0: `interleaved histogram metrics: ${CROSS_LINE}`,
  bad_grouping_or_ordering_2: `interleaved gaugehistogram metrics: ${CROSS_LINE}`,
  bad_grouping_or_ordering_3: `a family interleaved with another: ${CROSS_LINE}`,
  bad_grouping_or_ordering_4: `decreasing timestamps: ${OUT_OF_ORDER}`,
  bad_grouping_or_ordering_5: `decreasing timestamps: ${OUT_OF_ORDER}`,
  bad_grouping_or_ordering_6: `decreasing timestamps: ${OUT_OF_ORDER}`,
  bad_grouping_or_ordering_7: `decreasing timestamps: ${OUT_OF_ORDER}`,
  bad_grouping_or_ordering_8: `decreasing timestamps: ${OUT_OF_ORDER}`,
  bad_grouping_or_ordering_9: `a point without a timestamp, then one at 0: ${OUT_OF_ORDER}`,
  bad_grouping_or_ordering_10:
    'a point with a timestamp, then one without (taking the scrape time): both are stored, the scrape succeeds',
  bad_histograms_0: `a histogram without buckets: ${CROSS_LINE}`,
  bad_histograms_1: `a sum without a count: ${CROSS_LINE}`,
  bad_histograms_2: `a count without a sum: ${CROSS_LINE}`,
  bad_histograms_3: `negative buckets with a sum: ${CROSS_LINE}`,
  bad_histograms_6: `a gaugehistogram without buckets: ${CROSS_LINE}`,
  bad_histograms_7: `negative gsum without negative buckets: ${CROSS_LINE}`,
  bad_histograms_8: `a gsum without a gcount: ${CROSS_LINE}`,
  bad_histograms_9: `buckets out of order: ${CROSS_LINE}`,
  bad_histograms_10: `bucket counts decreasing: ${CROSS_LINE}`,
  bad_histograms_11: `count differing from the +Inf bucket: ${CROSS_LINE}`,
  bad_histograms_12:
    'le="+INF" is an ordinary label value to the parser (Prometheus even normalizes it to "+Inf"); no +Inf bucket is required',
  bad_histograms_13: `count differing from the +Inf bucket: ${CROSS_LINE}`,
  bad_histograms_14: `a gcount without a gsum: ${CROSS_LINE}`,
  bad_info_and_stateset_values_0: `info value other than 1: ${VALUE}`,
  bad_info_and_stateset_values_1: `stateset value other than 0 or 1: ${VALUE}`,
  bad_metadata_in_wrong_place_0: `TYPE after the family's samples: ${METADATA}`,
  bad_metadata_in_wrong_place_1: `HELP after the family's samples: ${METADATA}`,
  bad_metadata_in_wrong_place_2: `UNIT after the family's samples: ${METADATA}`,
  bad_missing_or_extra_commas_2: "a trailing comma in a label set: Prometheus's label parser allows one",
  bad_missing_or_invalid_labels_for_a_type_0: `a summary sample without quantile: ${VALUE}, and labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_1: `quantile="-1": labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_2: `quantile="foo": labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_3: `quantile="1.01": labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_4: `quantile="NaN": labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_5: `a histogram bucket without le: labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_6: `a gaugehistogram bucket without le: labels are not checked against the type`,
  bad_missing_or_invalid_labels_for_a_type_7: `a stateset sample without its state label: labels are not checked against the type`,
  bad_repeated_metadata_0: `repeated empty HELP: ${METADATA}`,
  bad_repeated_metadata_1: `repeated HELP: ${METADATA}`,
  bad_repeated_metadata_3: `repeated UNIT: ${METADATA}`,
  bad_stateset_info_values_0: `a stateset sample without its label and with value 2: ${VALUE}`,
  bad_stateset_info_values_1: `an info family with a sample lacking _info: ${CROSS_LINE}`,
  bad_stateset_info_values_2: `a stateset sample without its label and with value 2.0: ${VALUE}`,
  bad_stateset_info_values_3: `an info family with a sample lacking _info: ${CROSS_LINE}`,
  bad_unit_6: 'a UNIT on an info family: Prometheus only checks that the unit is a suffix of the name',
  bad_unit_7: 'a UNIT on a stateset family: Prometheus only checks that the unit is a suffix of the name',
};
