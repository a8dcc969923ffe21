"""Small schemes modelled on the source documents' own values, one per document.

They hold only the articles the catalog tests need; each value cites its article. ZJG is
the shipped schemes/zjg.yaml (see catalog_support.ZJG).
"""

from __future__ import annotations

from catalog_support import scheme

# ZZ: 漳州市直机关绩效考评办法 (seed 001, 第五篇). 1000 points, three series.
ZZ = scheme(
    """
    scheme: ZZ
    version: 1
    title: 漳州市直机关绩效考评办法
    source: 001_afe211f9c574c74e.txt 第五篇
    period: {kind: year}
    subject_kinds: {unit: 市直单位}
    groups: {s1: 第一系列, s2: 第二系列, s3: 第三系列}
    offices: {efficiency: 市效能办, finance: 市财政局}
    rounding: {places: 2, mode: half_up}
    joint_credit: {lead: 0.8, co: 0.2}          # 三.(三) 主办单位按80%计分, 联办单位按20%计分
    exemption_grounds: {self_investigated: 本单位自行查处或主动报告有关机关查处}
    tree:
      id: total
      title: 绩效考评总得分
      article: 五
      max: 1000
      children:
        - id: goals
          title: 完成基本工作目标
          article: 三.(一)
          max: 450
          rating: {scale: 450, roles: {assessor: 1}}
        - id: conduct
          title: 机关效率与作风纪律建设
          article: 三.(二)
          office: efficiency
          basis: deduct
          max: 100
          overflow: total                      # 扣分超过100分的, 超出的分数在该单位总得分中扣除
          highest_only: true                   # 同一事项就高扣分一次, 不重复扣分
          children:
            - id: c.2.1
              title: 违法被追究刑事责任或受到治安处罚
              article: 三.(二)2(1)
              deduct: {graded: {by: rank, values: {section_or_above: 15, below_section: 10}}}
            - id: c.2.2
              title: 违纪受到党纪政纪处分
              article: 三.(二)2(2)
              deduct: {graded: {by: rank, values: {section_or_above: 10, below_section: 7}}}
            - id: c.2.3
              title: 受到效能责任追究
              article: 三.(二)2(3)
              deduct: {graded: {by: measure, values: {written_review: 1, admonition: 3, warning: 5}}}
            - {id: c.3.1, title: 一票否决工作经认定必须否决, article: 三.(二)3(1), deduct: {per: 20}}
            - {id: c.3.3, title: 违反财经纪律, article: 三.(二)3(3), deduct: {range: {min: 5, max: 10}}}
            - {id: c.4.6, title: 迟到早退, article: 三.(二)4(6), deduct: {per: 1}}
        - id: merit
          title: 突出绩效与创新
          article: 三.(三)
          basis: add
          max: 100                             # 各分项奖励累计不超过100分
          children:
            - {id: m.1, title: 突出贡献, article: 三.(三)1, bonus: {per: 30}}
            - {id: m.2.3, title: 调研成果被采纳, article: 三.(三)2(3), cap: 10, bonus: {per: 2}}
            - id: m.3.1
              title: 被市级以上评为先进单位
              article: 三.(三)3(1)
              bonus: {levels: {city: 4, province: 8, national: 12}}
            - id: m.3.3
              title: 单项工作得到上级肯定并行文推广
              article: 三.(三)3(3)
              bonus: {levels: {city: 5, province: 10, national: 15}}
            - id: m.4.1
              title: 争取资金
              article: 三.(三)4(1)
              office: finance
              cap: 10
              bonus: {steps: {unit: 500000, points: 1}}
            - id: m.4.2
              title: 引进项目
              article: 三.(三)4(2)
              cap: 10
              bonus: {steps: {threshold: 10000000, base: 5, unit: 3000000, points: 1}}
        - id: public
          title: 公众评议
          article: 三.(四)1
          max: 300
          rating: {scale: 100, roles: {public: 1}}
        - id: panel
          title: 综合评议
          article: 三.(四)2
          max: 50
          rating: {scale: 100, roles: {panel: 1}}
    grading:
      grades: [优秀单位, 合格单位, 不合格单位]
      rules:
        - {grade: 不合格单位, below: 700}      # 总分在700分(不含700分)以下
        - {grade: 优秀单位, quota: {n_by_group: {s1: 5, s2: 10, s3: 5}}}
        - {grade: 合格单位}
    """
)

# XIANG: ××乡机关绩效考评办法 (seed 001, 第三篇). Three categories of units.
XIANG = scheme(
    """
    scheme: XIANG
    version: 1
    title: ××乡机关绩效考评办法
    source: 001_afe211f9c574c74e.txt 第三篇
    period: {kind: year}
    subject_kinds: {unit: 乡直单位}
    groups: {cat1: 第一类, cat2: 第二类, cat3: 第三类}
    rounding: {places: 2, mode: half_up}
    tree:
      id: total
      title: 绩效考评总分
      article: 三
      children:
        - {id: results, title: 工作业绩指标, article: 三.(一), max: 40, rating: {scale: 40, roles: {panel: 1}}}
        - id: conduct
          title: 作风、效率评估指标
          article: 三.(二)
          max: 40
          # 镇党政班子 12, 党代表人大代表等 18, 效能建设监督员 10: each rates on 100, weighted 12:18:10
          rating: {scale: 100, roles: {leadership: 12, representatives: 18, supervisors: 10}}
        - {id: orders, title: 维护政令畅通指标, article: 三.(三), max: 10, rating: {scale: 10, roles: {office: 1}}}
        - {id: efficiency, title: 效能监察投诉受理指标, article: 三.(四), max: 10, rating: {scale: 10, roles: {office: 1}}}
        - id: special
          title: 专项考评、一票否决指标(减分因素)
          article: 三.(五)
          basis: add                           # no floor: a negative section after the sum (C3)
          children:
            - {id: special.veto, title: 专项考评中被一票否决, article: 三.(五), deduct: {per: 2}}
            - {id: special.bottom5, title: 位列专项考评后5名, article: 三.(五), deduct: {per: 1}}
    grading:
      grades: [先进单位, 一般, 通报批评, 主要负责人免职]
      rules:
        - {grade: 先进单位, quota: {n_by_group: {cat1: 3, cat2: 3, cat3: 1}}}   # 七 前3名, 前3名, 第1名
        - {grade: 主要负责人免职, bottom: 1}                                   # 倒数第一名
        - {grade: 通报批评, bottom: 2}                                         # 倒数第二名
        - {grade: 一般}
    """
)

# QF: 曲阜市行政审批服务局平时考核工作方案 (seed 004). Quarterly, staff.
QF_YAML = """
    scheme: QF
    version: 1
    title: 曲阜市行政审批服务局平时考核工作方案
    source: 004_f13735db085f0d24.txt
    period: {kind: quarter}
    subject_kinds: {leader: 科室负责人, counter: 窗口工作人员}
    offices: {supervision: 督查指导科}
    rounding: {places: 2, mode: half_up}
    publication:
      publicity_working_days: 3                # 三.(二)5 公示期不少于3个工作日
      appeal_window_working_days: 3
      decision_window_working_days: 3
    tree:
      id: total
      title: 平时考核得分
      article: 二.(二)
      office: supervision
      max: 100
      children:
        - id: common
          title: 共性指标
          article: 二.(二) 共性指标
          weight: 0.5                          # 各占评价总分的50%
          max: 100
          rating: {scale: 100, roles: {main: 40, supervising: 30, colleagues: 30}}   # 三.(二)3
        - id: individual
          title: 个性指标
          article: 二.(二) 个性指标
          weight: 0.5
          max: 100
          children:
            - id: ind.leader
              title: 科室负责人个性指标
              article: 二.(二) 个性指标 1
              applies_to: [leader]
              max: 100
              rating: {scale: 100, roles: {main: 40, supervising: 30, colleagues: 30}}
            - id: ind.counter
              title: 窗口工作人员个性指标
              article: 二.(二) 个性指标 2
              applies_to: [counter]
              max: 100
              rating: {scale: 100, roles: {main: 40, supervising: 30, colleagues: 30}}
    affirmations:
      - {id: aff.1, title: 获得市级以上奖励荣誉, article: 三.(三)1(1), grade: 好}
    vetoes:
      - {id: veto.1, title: 因工作作风问题被全市通报, article: 三.(三)2(1), grade: 较差}
      - {id: ng.probation, title: 新录用公务员试用期内, article: 六.(一), not_graded: true}
      - {id: ng.leave, title: 病事假累计超过考核天数一半, article: 六.(一), not_graded: true}
    grading:
      grades: [好, 较好, 一般, 较差]
      rules:
        - {grade: 好, min: 85, quota: {share: 0.4}}   # 不低于85分; 不超过总人数的40%
        - {grade: 较好, min: 75}
        - {grade: 一般, min: 60}
        - {grade: 较差, below: 60}
    year:
      grades: [优秀, 称职, 基本称职, 不称职]
      default: 称职
      rules:
        - {count: 好, all_quarters: true, flag: priority_excellent}   # 均为"好" 可优先确定为优秀
        - {count: 较差, at_least: 1, not_grade: 优秀}                 # 有1次"较差" 不能确定为优秀
        - {count: 较差, at_least: 2, grade: 基本称职}                 # 2次 基本称职
        - {count: 较差, at_least: 3, grade: 不称职}                   # 3次以上 不称职
    """
QF = scheme(QF_YAML)

# QZ: 2019年度泉州市工信局绩效评估工作方案 (seed 003). Weighted composite, yearly.
QZ = scheme(
    """
    scheme: QZ
    version: 1
    title: 2019年度泉州市工信局绩效评估工作方案
    source: 003_1a67f5ae87a14172.txt
    period: {kind: year}
    subject_kinds: {department: 科室}
    rounding: {places: 2, mode: half_up}
    exemption_grounds:                         # 二.(二)4.7
      predates_post: 违纪违法行为不属于当事人在任现职期间发生
      self_investigated: 由所在单位自查自办
      already_deducted: 往年绩效考评已扣分
    tree:
      id: total
      title: 综合得分
      article: 二.(二)2
      children:
        - {id: target, title: 目标考评, article: 二.(二)2, weight: 0.7, max: 100, rating: {scale: 100, roles: {assessor: 1}}}
        - {id: review, title: 公众评议, article: 二.(二)2, weight: 0.3, max: 100, rating: {scale: 100, roles: {public: 1}}}
        - id: incentive
          title: 正向激励加分
          article: 二.(二)3
          basis: add
          children:
            - {id: inc.1, title: 正向激励, article: 二.(二)3, bonus: {range: {max: 10}}}
        - id: inspection
          title: 察访核验扣分
          article: 二.(二)4
          basis: add
          children:
            - id: "4.1"
              title: 察访核验查实存在违规问题
              article: 二.(二)4.1
              deduct:
                graded: {by: rank, values: {county: 0.5, section_head: 0.3, section_staff: 0.3}}
                multiplier: {by: finder, values: {province: 2, city: 1}}   # 4.5 被省效能办发现, 双倍扣分
            - id: "4.2"
              title: 被纪检监察机关处分或组织人事部门诫勉
              article: 二.(二)4.2
              deduct: {graded: {by: rank, values: {county_leader: 0.3, county: 0.2, section_and_below: 0.1}}}
            - id: reminders
              title: 效能提醒函
              article: 三.(二)四
              deduct: {repeats: {same_matter: {at_least: 2, points: 0.1}, distinct_matters: {at_least: 3, points: 0.2}}}
    vetoes:
      - {id: inelig.1, title: 违规当事人所在科室, article: 二.(二)4.8, ineligible: true}
      - {id: down.1, title: 发生重大安全事件, article: 二.(二)5.2)②, downgrade: 1}
      - {id: bad.1, title: 决策部署落实不力被专题通报问责, article: 二.(二)5.3)①, grade: 差}
    grading:
      grades: [优秀, 良好, 一般, 差]
      rules:
        - {grade: 差, below: 70}                              # 综合得分低于70分的为差
        - {grade: 优秀, quota: {share: 0.3}, excellence: true}  # 按30%比例由高到低评选为优秀
        - {grade: 一般, min: 70, bottom: 3}                   # 70分及以上且排位后3名为一般
        - {grade: 良好}
    """
)

# JS: 吉水县国土资源局2014机关工作目标管理考评办法 (seed 001, 第二篇). Offices, 30 + 70.
JS = scheme(
    """
    scheme: JS
    version: 1
    title: 2014机关工作目标管理考评办法
    source: 001_afe211f9c574c74e.txt 第二篇
    period: {kind: year}
    subject_kinds: {office: 办公室, land_dev: 土地开发整理中心}
    rounding: {places: 2, mode: half_up}
    tree:
      id: total
      title: 综合考评总分
      article: 三
      children:
        - id: common
          title: 共性考评项目
          article: 三.(一)
          children:
            - id: c.1
              title: 作风建设
              article: 三.(一)1
              basis: deduct
              max: 6
              children:
                - {id: c.1.1, title: 迟到早退, article: 三.(一)1, max: 2, deduct: {per: 0.5}}
                - {id: c.1.2, title: 上网玩游戏赌博, article: 三.(一)1, max: 2, deduct: {zero_item: true}}
                - {id: c.1.3, title: 投诉调查属实, article: 三.(一)1, max: 2, deduct: {zero_item: true}}
            - id: c.6
              title: 政务信息上稿任务
              article: 三.(一)6
              basis: deduct
              max: 3
              children:
                - {id: c.6.1, title: 未完成稿件录用任务按比例得分, article: 三.(一)6, max: 3, deduct: {shortfall: {proportional: true}}}
            - id: c.6b
              title: 超额录用加分
              article: 三.(一)6
              basis: add
              max: 3                                       # 加分不超过3分
              children:
                - {id: c.6b.1, title: 每多录用1篇, article: 三.(一)6, bonus: {levels: {county: 0.1, city: 0.5, province: 1, national: 2}}}
        - id: rest
          title: 其余考评项目 (assessed as a whole, so that totals reach the document's 85 and 80 lines)
          article: 三
          max: 80
          rating: {scale: 80, roles: {panel: 1}}
        - id: office
          title: 办公室个性考评项目
          article: 三.(二) 办公室
          applies_to: [office]
          children:
            - id: o.1
              title: 公文办理
              article: 三.(二) 办公室 1
              basis: deduct
              max: 8
              children:
                - {id: o.1.1, title: 公文办理出现差错, article: 三.(二) 办公室 1, deduct: {per: 1}}
        - id: land_dev
          title: 土地开发整理中心个性考评项目
          article: 三.(二) 土地开发整理中心
          applies_to: [land_dev]
          children:
            - id: l.3
              title: 造地工作
              article: 三.(二) 土地开发整理中心 3
              basis: deduct
              max: 20
              children:
                - {id: l.3.1, title: 补充耕地任务每差欠5%, article: 三.(二) 土地开发整理中心 3, deduct: {shortfall: {step: 0.05, points: 4}}}
    vetoes:
      - {id: veto.1, title: 单位内有受到党纪政纪法规处理的人和事, article: 四.(三)6(1), ineligible: true}
    grading:
      grades: [一等奖, 二等奖, 三等奖, 全额津贴, 扣发5%津贴, 扣发10%津贴]
      rules:
        - {grade: 一等奖, min: 85, quota: {n: 1}, excellence: true}   # 四.(三)1 85分以上 一等奖一个
        - {grade: 二等奖, min: 85, quota: {n: 2}, excellence: true}   # 二等奖2个
        - {grade: 三等奖, min: 85, quota: {n: 3}, excellence: true}   # 三等奖3个
        - {grade: 扣发10%津贴, below: 80}                              # 四.(三)2 低于80分(不含80分)
        - {grade: 扣发5%津贴, below: 85}                               # 80分至85分(不含85分)
        - {grade: 全额津贴}                                            # 高于85分(含85分)
    """
)

# IND: 某某单位内部量化考核工作方案 (seed 002). Staff, yearly, measured each half-year.
IND = scheme(
    """
    scheme: IND
    version: 1
    title: 某某单位内部量化考核工作方案
    source: 002_99eb35796daaa13d.txt
    period: {kind: year, parts: half}        # 三.1 年度考核, 每半年测算通报一次; 五 半年扣分累计列为年度扣分
    subject_kinds: {staff: 干部职工}
    rounding: {places: 2, mode: half_up}
    tree:
      id: total
      title: 年度量化考核得分
      article: 三.3
      children:
        - id: rest
          title: 政治理论和业务学习、中心工作 (assessed as a whole)
          article: 四.(一) 四.(三)
          max: 30
          rating: {scale: 30, roles: {panel: 1}}
        - id: business
          title: 业务工作
          article: 四.(二)
          basis: deduct
          max: 30
          children:
            - id: b.2
              title: 查办的案子被法院撤销
              article: 四.(二)2
              deduct: {shares: {handler: 5, reviewer: 5}}   # 办案人及审核人分别扣5分
        - id: daily
          title: 日常工作考核
          article: 四.(四)
          basis: deduct
          max: 20
          children:
            - {id: d.1, title: 旷工1天, article: 四.(四)1, deduct: {per: 2}}
            - id: d.2
              title: 值班期间造成不良影响
              article: 四.(四)2
              deduct: {shares: {leader: 2, member: 1}}      # 扣带班领导2分, 扣每个值班组员1分
            - {id: d.4, title: 工作日饮酒, article: 四.(四)4, deduct: {per: 2}}
        - id: review
          title: 述职测评
          article: 四.(五)
          max: 20
          rating: {scale: 100, roles: {report: 10, supervising: 5, leadership: 5}}   # 述职10 分管领导5 班子5
        - id: bonus
          title: 加分项
          article: 四.(六)
          basis: add
          max: 10                                             # 加分不超过10分
          children:
            - {id: bonus.1, title: 荣获表彰和荣誉, article: 四.(六)1, bonus: {levels: {national: 10, province: 8, city: 5}}}
            - {id: bonus.2, title: 正面宣传稿件被录用, article: 四.(六)2, bonus: {levels: {province: 3, city: 2, district: 1}}}
    vetoes:
      - {id: veto.1, title: 个人原因违纪被给予警告以上处分, article: 五.(二)3, grade: 基本称职}
    grading:
      grades: [优秀, 称职, 基本称职, 不称职]
      rules:
        - {grade: 优秀, min: 95, quota: {share: 0.2}}         # 95分以上, 得分排名在前20%
        - {grade: 称职, min: 80}                              # 80-95分 (上限不含本数)
        - {grade: 基本称职, min: 60}                          # 60-80分
        - {grade: 不称职, below: 60}                          # 60分以下
    """
)

# HB: 湖北省机关档案工作目标管理等级考评办法 (seed 001, 第四篇). Thresholds and prerequisites.
HB = scheme(
    """
    scheme: HB
    version: 1
    title: 湖北省机关档案工作目标管理等级考评办法
    source: 001_afe211f9c574c74e.txt 第四篇 鄂档规[2011]1号
    period: {kind: year}
    subject_kinds: {organ: 机关}
    tree:
      id: total
      title: 考评得分
      article: 第七条
      children:
        - {id: assessed, title: 考评表得分, article: 第七条 附件2, max: 100, rating: {scale: 100, roles: {panel: 1}}}
    conditions:                                # 第五条 申报必备条件 (an excerpt)
      - {id: registered, title: 依法办理了档案登记, article: 第五条 一}
      - {id: centralized, title: 机关档案实行了集中统一管理, article: 第五条 二}
      - {id: no_accident, title: 两年内没有发生档案安全事故, article: 第五条 五}
    grading:
      grades: [省一级, 省二级, 未达标]
      rules:
        - {grade: 省一级, min: 90, requires: [registered, centralized, no_accident]}   # 省一级达标分数线为90分
        - {grade: 省二级, min: 80, requires: [registered, centralized, no_accident]}   # 省二级达标分数线为80分
        - {grade: 未达标}
    """
)

# XG: 新干县县直机关政务"阳光行动"工作考评办法 (seed 001, 第一篇). 100 points.
XG = scheme(
    """
    scheme: XG
    version: 1
    title: 县直机关政务阳光行动工作考评办法(试行)
    source: 001_afe211f9c574c74e.txt 第一篇
    period: {kind: year}
    subject_kinds: {unit: 县直单位}
    tree:
      id: total
      title: 考评得分
      article: 二.(一)
      children:
        - id: lead
          title: 领导重视情况
          article: 二.(一)1
          basis: deduct
          max: 15
          children:
            - {id: lead.1, title: 没有召开干部职工大会动员部署, article: 二.(一)1(1), deduct: {per: 3}}
            - {id: lead.2, title: 没有制定工作方案或实施意见, article: 二.(一)1(2), deduct: {per: 5}}
            - {id: lead.3, title: 没有成立领导小组, article: 二.(一)1(3), deduct: {per: 5}}
        - id: plusminus
          title: 加、减分项目
          article: 二.(一)5
          basis: add
          children:
            - {id: pm.1, title: 政务公开工作做典型推广, article: 二.(一)5(1), bonus: {levels: {county: 5, city: 10, province: 15}}}
            - id: pm.2
              title: 政务公开工作做典型批评
              article: 二.(一)5(2)
              deduct: {graded: {by: level, values: {county: 5, city: 10, province: 15}}}
    """
)
