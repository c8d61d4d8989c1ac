// Everyday kubectl commands with the real kubectl 1.27 (see kubectl-scenarios.ts).
import { kubectlScenarios } from './kubectl-scenarios.js';

kubectlScenarios('1.27');
