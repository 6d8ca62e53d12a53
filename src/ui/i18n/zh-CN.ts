/** 界面的中文文本。键与 en.ts 一一对应（有单元测试检查）。 */
import type { Messages } from './en.ts';

export const zhCN: Messages = {
  title: 'Cluster Lab',
  tagline: '在浏览器里运行的 Redis 集群实验室',
  language: '语言',
  play: '运行',
  pause: '暂停',
  step: '单步',
  stepTitle: '前进到下一个事件窗口（一轮消息）',
  plusSecond: '+1 秒',
  plusSecondTitle: '虚拟时间前进一秒',
  speed: '速度',
  clock: '虚拟时间',
  paused: '已暂停',
  lagging: '实际 {achieved}× —— Worker 跟不上 {speed}× 的速度',
  terminal: '终端',
  node: '节点',
  nodeRole: '独立主节点，运行在 Web Worker 中',
  clients: '已连接客户端',
  keys: '键数量（db0）',
  commands: '已处理命令',
  loopIterations: '事件循环迭代次数',
  cronRuns: 'serverCron 运行次数',
  loading: '正在 Web Worker 中启动节点……',
  failed: '出错了：{message}。请刷新页面重新开始。',
  cliExited: '（redis-cli 已退出。按回车键重新启动。）',
  footer:
    '每个节点都是用 TypeScript 编写的 Redis 7.0 模型，拥有自己的事件循环，运行在独立的 Web Worker 中。时间是虚拟的：可以暂停、单步、加速。已实现的命令与真实 Redis 7.0 的回复逐字节一致。',
  pausedNote: '时钟已暂停：输入命令时，时钟只前进到回复到达为止。',
};
