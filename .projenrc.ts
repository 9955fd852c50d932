import { awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-fargate-fan-out',
  description: 'Run a container once for every item in a list: an ECS Fargate fan-out driven by a Step Functions Map or Distributed Map, with throttling-safe retries and concurrency caps.',
  author: 'cdk-fargate-fan-out developers',
  authorAddress: 'cdk-fargate-fan-out@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-fargate-fan-out/cdk-fargate-fan-out.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'aws-cdk', 'fargate', 'ecs', 'step-functions', 'distributed-map', 'fan-out', 'batch'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenVersion: '0.103.25',
  github: false,
  release: false,

  // The oldest aws-cdk-lib that works is the minimum users need (the peer dependency, and the
  // bindings' dependency that jsii derives from it): 2.269.0 is the first release that accepts
  // validation acknowledgement ids with '::' (aws/aws-cdk#38787), e.g. AwsSolutions-IAM5[Resource::*].
  // Development and the tests use the newest (devDependencies below); .ci/run also runs the example
  // and the assertion tests on the minimum (scripts/test-min-cdk.sh).
  cdkVersion: '2.269.0',
  constructsVersion: '10.5.1',
  // No devDependency pinned to the peer's minimum: the devDependencies name the newest, below.
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',
  minNodeVersion: '20.16.0',

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'benchmarks/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts'],
    compilerOptions: {
      skipLibCheck: true,
      // The CLI (cli/) imports the library by its package name: type-check it against src/, and
      // with the one aws-cdk-lib the library uses (as when both are installed from the registry).
      paths: { 'cdk-fargate-fan-out/lib/*': ['./src/*'], 'aws-cdk-lib': ['./node_modules/aws-cdk-lib'] },
    },
    // Scratch copies of src/ and examples/ (scripts/test-min-cdk.sh, scripts/test-bindings.sh) are
    // checked there against their own aws-cdk-lib, not here.
    exclude: ['node_modules', '.tmp', 'cdk.out', 'dist'],
  },
  eslintOptions: {
    dirs: ['src', 'cli/src'],
    devdirs: ['test', 'examples', 'benchmarks', 'cli/test'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },
  jestOptions: {
    // A snapshot test must be able to fail: never rewrite snapshots during `projen test`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // A run that finds no test fails; scripts/check-test-count.js (below) also fails one that
    // runs fewer tests than test/test-count-floor.json.
    passWithNoTests: false,
    jestConfig: {
      // The CLI's tests (cli/test) run here too, against src/ (the library by its package name)
      // and with the one aws-cdk-lib the library uses; the test task installs cli/'s packages first.
      testMatch: ['<rootDir>/cli/test/**/*.test.ts'],
      moduleNameMapper: {
        '^cdk-fargate-fan-out/lib/(.*)$': '<rootDir>/src/$1',
        '^aws-cdk-lib$': '<rootDir>/node_modules/aws-cdk-lib',
      },
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
      // jest's default is one worker less than the cores: on 2 cores, every file one after the
      // other in one process, one core idle. The files are independent (temporary directories,
      // free ports) and CPU-bound (synthesis, the offline interpreter): one worker per core.
      // (ts-jest already only transpiles: tsconfig.dev.json sets isolatedModules, and .ci/run
      // type-checks with tsc.)
      maxWorkers: '100%',
      // Coverage instruments every function V8 runs (precise block counts): it made the suite
      // about 20% slower, and nothing here reads it. `npx projen test --coverage` collects it.
      collectCoverage: false,
    },
  },

  // No runtime dependency besides the peers: the command line (plan, report, start, watch) and
  // the AWS SDK it needs are the package cdk-fargate-fan-out-cli in cli/.

  devDeps: [
    'asl-validator@4.0.0',
    'aws-local-stepfunctions@3.0.0',
    // Evaluates the few JSONata states (a claim's TTL) offline; aws-local-stepfunctions 3 runs JSONPath only.
    'jsonata@2.2.2',
    '@sinonjs/fake-timers@^15',
    '@types/sinonjs__fake-timers',
    'cdk-nag@^3.0.2',
    // Lays out the workflow picture (docs/workflow.svg): Graphviz compiled to WebAssembly.
    '@hpcc-js/wasm-graphviz@1.29.2',
    // Drives the Chromium of cli/'s devDependencies (never downloads one) for the report's screenshot (docs:report).
    'puppeteer-core@^24',
  ],

  publishToPypi: {
    distName: 'cdk-fargate-fan-out',
    module: 'cdk_fargate_fan_out',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkfargatefanout',
    mavenGroupId: 'io.github.cdkfargatefanout',
    mavenArtifactId: 'cdk-fargate-fan-out',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkFargateFanOut',
    packageId: 'CdkFargateFanOut',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-fargate-fan-out/cdk-fargate-fan-out-go',
    packageName: 'cdkfargatefanout',
  },

  gitignore: ['cdk.out', '/cdk.out.triggers', '/examples/**/cdk.out', '/.tmp', '/cli/lib/', '/cli/package.json.dev'],
});

// Develop and test against the newest aws-cdk-lib; users need only the peer's minimum (cdkVersion).
// Added after the constructor, which replaces any constructs devDependency with the peer.
project.addDevDeps('aws-cdk-lib@2.276.0', 'constructs@10.5.1');

// `npx projen build` (the README's test command) packages JavaScript only, with or without CI.
// projen's default packages every language outside CI, which needs a .NET SDK (and Maven to
// resolve aws-cdk-lib's version range, which fails while the registry's metadata lags behind the
// versions it serves): packaging for a toolchain a machine may lack does not belong in the test
// command. `npx projen package-all` still packages every language (for a release); the bindings
// check (`npx projen test:bindings`) builds the Python wheel and the Java jar itself.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// The test command fails when jest ran fewer tests than the floor kept in the repository
// (test/test-count-floor.json), read from the JUnit report jest has just written: a report left
// by an earlier run is removed first, so that a run that wrote none fails too.
project.testTask.prependExec('node -e "require(\'fs\').rmSync(\'test-reports/junit.xml\', { force: true })"');
project.testTask.insertStep(2, { exec: 'node scripts/check-test-count.js' });

// The main job: synthesize the example app and print what the construct built and why.
project.addTask('example', {
  description: 'Synthesize the example app (examples/app.ts) into cdk.out and print what FargateFanOut built',
  exec: 'ts-node --project tsconfig.dev.json examples/app.ts',
});

// The README's pictures: the example's state machine definition and the concurrency pool's states,
// laid out by Graphviz (WebAssembly). `--check` fails when one is out of date (.ci/run runs it).
project.addTask('docs:workflow', {
  description: 'Draw the example\'s state machine (docs/workflow.svg) and the concurrency pool\'s states (docs/concurrency-pool*.svg); --check: fail if one is out of date',
  exec: 'ts-node --project tsconfig.dev.json scripts/workflow-svg.ts',
  receiveArgs: true,
});

// The README's picture of a run report (docs/report.png): an executed run with faults, its report,
// the page's screenshot in the machine's Chromium.
project.addTask('docs:report', {
  description: 'Execute a 600-item fan-out offline, report it (.tmp/report-example) and screenshot the page into docs/report.png',
  exec: 'ts-node --project tsconfig.dev.json scripts/report-example.ts',
});

// Not a test: prints launch policies and synth time side by side with baselines from the same run.
project.addTask('benchmark', {
  description: 'Simulate 10,000 one-minute items under four launch policies, and compare synth time with a hand-written stack',
  exec: 'ts-node --project tsconfig.dev.json benchmarks/fan-out-benchmark.ts',
});

// Construct Hub translates the README's TypeScript snippets into Python, Java, C# and Go with
// jsii-rosetta, which translates only snippets that compile: a snippet that does not compile fails
// the build. Shared lines are fixtures in rosetta/ (default.ts-fixture; `fixture=program` for a
// whole app). Reads the README from the assembly, so it runs after compile.
const snippets = project.addTask('docs:snippets', {
  description: 'Compile every TypeScript snippet of the README with jsii-rosetta (extract --compile --fail)',
  exec: 'jsii-rosetta extract --compile --fail',
});
project.postCompileTask.spawn(snippets);
project.gitignore.exclude('/.jsii.tabl.json');
project.addPackageIgnore('/.jsii.tabl.json');

// moto and LocalStack take about a minute of one core on a fresh clone: installed in the
// background while the build compiles (a single-core step), instead of inside the tests.
project.preCompileTask.exec('bash scripts/install-python-test-tools.sh --background');

project.addTask('test:min-cdk', {
  description: 'Type-check, synthesize the example and run the jest assertion suites on the declared minimum aws-cdk-lib (the peer dependency)',
  exec: 'bash scripts/test-min-cdk.sh',
});

// The CLI (cli/, npm cdk-fargate-fan-out-cli) is a package of its own: its tests run in the jest
// suite above, so `npx projen test` installs its packages first (npm ci, skipped when current).
const cliInstall = project.addTask('cli:install', {
  description: 'Install the CLI\'s packages (npm ci in cli/) unless they are current',
  exec: '[ cli/node_modules/.package-lock.json -nt cli/package-lock.json ] || (cd cli && npm ci --no-audit --no-fund --loglevel=error)',
});
project.testTask.prependSpawn(cliInstall);

project.addTask('test:cli', {
  description: 'Pack the library and the CLI, install both from their tarballs into a fresh directory, and run plan, report and --help as a user would',
  exec: 'bash scripts/test-cli.sh',
});

project.addTask('test:bindings', {
  description: 'Install the npm tarball, the wheel, the jar and the Go module as users do, and check that each runs the same app (same templates, same planner report) as TypeScript',
  exec: 'bash scripts/test-bindings.sh',
});
// jsii-pacmak bundles the npm package into the wheel and the jar: keep work files and repo-only folders out.
for (const dir of ['/.tmp/', '/cdk.out/', '/examples/', '/scripts/', '/benchmarks/', '/.ci/', '/worker/', '/cli/']) {
  project.addPackageIgnore(dir);
}
project.gitignore.exclude('/examples/java/target/', '__pycache__/');

project.synth();
