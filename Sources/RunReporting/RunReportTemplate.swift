/// The run report's Mustache template. A Swift constant rather than a resource file, so the page can never be
/// missing from an installed binary. Everything it shows comes from `PageModel`; `{{…}}` escapes for HTML.
enum RunReportTemplate {
    static let page = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{title}}</title>
        <style>
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 2px; }
        h2 { font-size: 16px; margin: 28px 0 8px; }
        .sub { color: #5b6475; margin: 0 0 16px; }
        .going { display: inline-block; background: #fff4d6; border: 1px solid #e8c66a; border-radius: 4px; padding: 1px 6px; }
        .facts { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
        .fact { border: 1px solid #dde1e8; border-radius: 6px; padding: 6px 12px; min-width: 150px; }
        .fact b { display: block; font-size: 18px; }
        .fact span { color: #5b6475; font-size: 12px; }
        table { border-collapse: collapse; }
        th, td { border-bottom: 1px solid #e3e6ec; padding: 4px 10px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        td.err { text-align: left; max-width: 560px; }
        code { font: 12px ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f3f4f7; padding: 1px 4px; border-radius: 3px; }
        .ok { color: #17803d; } .bad { color: #b42318; }
        svg text { font: 11px system-ui, sans-serif; fill: #3b4252; }
        svg .lane { text-anchor: end; }
        svg .tick { text-anchor: middle; fill: #6b7385; }
        svg .grid { stroke: #eceef2; }
        svg .sep { stroke: #c9ced8; }
        .queued { fill: #9db8e0; } .running { fill: #2f6fce; } .downloading { fill: #2fa36b; }
        .mk { text-anchor: middle; dominant-baseline: central; font-size: 13px; font-weight: bold; }
        .mk.rejected { fill: #d92d20; } .mk.retrying { fill: #dc7b00; } .mk.split { fill: #7a3fc4; }
        .mk.failed { fill: #111; } .mk.stuck { fill: #6b7385; }
        .count { fill: none; stroke: #2f6fce; stroke-width: 2; }
        .limit { stroke: #d92d20; stroke-dasharray: 5 4; } .slots { stroke: #7a3fc4; stroke-dasharray: 2 3; }
        .legend { display: flex; gap: 16px; flex-wrap: wrap; color: #3b4252; font-size: 12px; margin: 6px 0; }
        .sw { display: inline-block; width: 14px; height: 10px; vertical-align: middle; margin-right: 4px; }
        .banner { border-radius: 6px; padding: 10px 14px; margin: 10px 0 14px; border: 1px solid; }
        .banner b { font-size: 16px; } .banner p { margin: 4px 0 0; }
        .banner.ok { background: #ecf8f0; border-color: #9fd8b2; } .banner.warn { background: #fff4d6; border-color: #e8c66a; }
        .banner.bad { background: #fdeceb; border-color: #f1a9a3; }
        .sw.queued { background: #9db8e0; } .sw.running { background: #2f6fce; } .sw.downloading { background: #2fa36b; }
        </style>
        </head>
        <body>
        <h1>{{title}}</h1>
        <p class="sub">{{subtitle}}{{#running}} <span class="going">in progress</span>{{/running}}</p>
        {{#banners}}<div class="banner {{tone}}" role="status"><b>{{headline}}</b> <span class="sub">(exit status {{exitCode}})</span>
        {{#hasError}}<p class="bad">{{error}}</p>{{/hasError}}
        <p>{{advice}}{{#hasCommand}} <code>{{command}}</code>{{/hasCommand}}</p></div>
        {{/banners}}
        <div class="facts">
        {{#facts}}<div class="fact"><b>{{value}}</b><span>{{label}}</span></div>
        {{/facts}}
        </div>

        <h2>Exports</h2>
        <table>
        <tr><th>export</th><th>chunks</th><th>verified</th><th>in flight</th><th>to do</th><th>failed</th><th>rows</th><th>bytes</th><th>output SHA-256</th></tr>
        {{#exports}}
        <tr><td>{{name}}</td><td>{{chunks}}</td><td class="ok">{{verified}}</td><td>{{inFlight}}</td><td>{{toDo}}</td><td{{#hasFailures}} class="bad"{{/hasFailures}}>{{failed}}</td><td>{{rows}}</td><td>{{bytes}}</td><td>{{#complete}}<code>{{sha256}}</code>{{/complete}}{{^complete}}not merged{{/complete}}</td></tr>
        {{/exports}}
        </table>
        {{#hasFailed}}
        <h2>Chunks that failed for good</h2>
        <table>
        <tr><th>chunk</th><th>export</th><th>window (UTC)</th><th>attempts</th><th>last error</th></tr>
        {{#failed}}
        <tr><td><code>{{id}}</code></td><td>{{export}}</td><td>{{window}}</td><td>{{attempts}}</td><td class="err">{{error}}<br>fix: <code>{{command}}</code></td></tr>
        {{/failed}}
        </table>
        {{/hasFailed}}

        <h2>Jobs on their users' slots</h2>
        {{#hasTimeline}}
        <div class="legend">
        {{#hasRunning}}<span><i class="sw queued"></i>queued at the server</span>
        <span><i class="sw running"></i>running</span>{{/hasRunning}}
        {{^hasRunning}}<span><i class="sw queued"></i>at the server (the API's statuses did not tell queued from running)</span>{{/hasRunning}}
        <span><i class="sw downloading"></i>downloading (the slot is free again)</span>
        <span><b class="bad">×</b> rejected (queue full)</span><span><b style="color:#dc7b00">↻</b> retried</span>
        <span><b style="color:#7a3fc4">◆</b> split</span><span><b>■</b> failed for good</span><span><b>‖</b> stuck</span>
        </div>
        <svg width="{{width}}" height="{{timelineHeight}}" viewBox="0 0 {{width}} {{timelineHeight}}" role="img" aria-label="timeline of every job">
        {{#tickLines}}<line class="grid" x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}"/>
        {{/tickLines}}
        {{#laneLines}}<line class="sep" x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}"/>
        {{/laneLines}}
        {{#laneLabels}}<text class="lane" x="{{x}}" y="{{y}}">{{text}}</text>
        {{/laneLabels}}
        {{#rects}}<rect class="{{phase}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" rx="2"><title>{{title}}</title></rect>
        {{/rects}}
        {{#markers}}<text class="mk {{mark}}" x="{{x}}" y="{{y}}">{{symbol}}<title>{{title}}</title></text>
        {{/markers}}
        {{#ticks}}<text class="tick" x="{{x}}" y="{{y}}">{{text}}</text>
        {{/ticks}}
        </svg>

        <h2>Jobs at the server over time</h2>
        <svg width="{{width}}" height="{{countHeight}}" viewBox="0 0 {{width}} {{countHeight}}" role="img" aria-label="jobs at the server over time">
        {{#countLabels}}<text class="lane" x="{{x}}" y="{{y}}">{{text}}</text>
        {{/countLabels}}
        <line class="limit" x1="{{plotLeft}}" y1="{{countLimitY}}" x2="{{plotRight}}" y2="{{countLimitY}}"/>
        <text x="{{plotRight}}" y="{{countLimitY}}" dy="-4" style="text-anchor:end;fill:#d92d20">{{countLimitLabel}}</text>
        <line class="slots" x1="{{plotLeft}}" y1="{{slotsY}}" x2="{{plotRight}}" y2="{{slotsY}}"/>
        <text x="{{plotLeft}}" y="{{slotsY}}" dx="4" dy="-4" style="fill:#7a3fc4">{{slotsLabel}}</text>
        <path class="count" d="{{countPath}}"/>
        {{#countTicks}}<text class="tick" x="{{x}}" y="{{y}}">{{text}}</text>
        {{/countTicks}}
        </svg>
        <p class="sub">The company's limit counts every user's jobs; this line counts this pipeline's, which never exceed its slots.</p>
        {{/hasTimeline}}
        {{^hasTimeline}}<p class="sub">{{noTimelineReason}}</p>{{/hasTimeline}}
        </body>
        </html>

        """#
}
