import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/index.js';
import { scrapeTargetsFromGroups } from './targets.js';

describe('scrape targets from discovered groups', () => {
  const { config } = loadConfig(`
scrape_configs:
  - job_name: j
    relabel_configs:
      - source_labels: [__meta_dns_name]
        target_label: dns
      - source_labels: [drop]
        regex: yes
        action: drop
`);
  const cfg = config.scrapeConfigs[0]!;

  it('merges target over group labels, relabels with meta labels, then drops them', () => {
    const { targets, errors } = scrapeTargetsFromGroups(cfg, [
      {
        source: 'n',
        targets: [
          { __address__: 'a:1', __meta_dns_name: 'n.example', env: 'target' },
          { __address__: 'b:2', drop: 'yes' },
          { __address__: 'http://c/' },
        ],
        labels: { env: 'group', team: 't' },
      },
    ]);
    assert.deepEqual(errors, ['instance 2 in group n: "http://c/" is not a valid hostname']);
    assert.equal(targets.length, 2);
    assert.equal(
      targets[0]!.labels!.toString(),
      '{__address__="a:1", __metrics_path__="/metrics", __scheme__="http", __scrape_interval__="1m", __scrape_timeout__="10s", dns="n.example", env="target", instance="a:1", job="j", team="t"}',
    );
    assert.equal(targets[0]!.discovered.get('__meta_dns_name'), 'n.example');
    assert.equal(targets[1]!.labels, null);
    assert.equal(targets[1]!.discovered.get('drop'), 'yes');
  });
});
