// Everyday kubectl commands with the real kubectl 1.30 (see kubectl-scenarios.ts).
import { kubectlScenarios } from './kubectl-scenarios.js';

kubectlScenarios('1.30');
